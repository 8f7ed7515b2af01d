// Prints the functions with the most self time in a V8 .cpuprofile (node --cpu-prof):
//   npx tsx bench/profile-top.ts bench/results/<file>.cpuprofile [n]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/profile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const self = new Map<string, number>();
const dt = p.timeDeltas;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const ticks = new Map<number, number>();
p.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (dt[i] ?? 0)));
let total = 0;
for (const [id, t] of ticks) {
  const f = byId.get(id)!.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, 'nm/').replace(/^file:\/\/.*\/main\//, '')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  total += t;
}
const n = Number(process.argv[3] ?? 30);
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n))
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
