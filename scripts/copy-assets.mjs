// Copies the non-TypeScript runtime assets (Lua scripts, JSON/YAML) next to the
// compiled JavaScript in dist/, mirroring the source layout.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';

const roots = ['api', 'workers', 'operator', 'gate', 'core', 'cli'];
const wanted = /\.(lua|json|yaml|yml|sql|html)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (wanted.test(name)) {
      const out = join('dist', p);
      mkdirSync(dirname(out), { recursive: true });
      cpSync(p, out);
    }
  }
}
for (const r of roots) walk(r);
