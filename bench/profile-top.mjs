// Prints the functions with the most self time in a V8 .cpuprofile (node --cpu-prof).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [n]');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const dt = p.timeDeltas;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const ticks = new Map();
p.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (dt[i] ?? 0)));
let total = 0;
for (const [id, t] of ticks) {
  const n = byId.get(id);
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, 'nm/').replace(/^file:\/\/.*\/main\//, '')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  total += t;
}
const n = Number(process.argv[3] ?? 30);
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
