#!/usr/bin/env node
// Entry point of the `scenic` command: the compiled build when present (container
// image), otherwise the TypeScript sources through tsx (a checkout).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/main.ts', import.meta.url).href);
}
