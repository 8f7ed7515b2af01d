#!/usr/bin/env node
// Entry point of the `scenic` command. In a checkout it runs the TypeScript sources
// through tsx, so a stale dist/ can never shadow the code being worked on; the
// container image ships only the compiled dist/ and runs that.
import { existsSync } from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
