/**
 * An OTA partner reserving on the OCTO endpoint (`POST /octo/bookings`, signed with the
 * repo's partner client) at a fixed rate — an open loop: a slow answer never delays the
 * next request. Started by bench/presale.ts as a child process, so its timings are not
 * inflated by the event loop of the load generator next to it (a partner is another
 * machine). Commands on stdin, one per line: `run` starts reserving; `report <phase>`
 * stops, waits for the answers still in flight and prints the phase's figures as one
 * JSON line. End of stdin ends the process.
 *
 * Env: BENCH_API_URL, BENCH_KEY_ID, BENCH_SECRET, BENCH_DATE, BENCH_OCTO_RATE, BENCH_PRODUCT.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { PartnerClient } from '../clients/partner-client.js';
import { residentIdCheckChar } from '../core/pii/id-number.js';

const need = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`octo-prober needs ${k}`);
  return v;
};
const client = new PartnerClient({
  baseUrl: need('BENCH_API_URL'),
  keyId: need('BENCH_KEY_ID'),
  secret: need('BENCH_SECRET'),
});
const date = need('BENCH_DATE');
const product = need('BENCH_PRODUCT');
const perSec = Number(need('BENCH_OCTO_RATE'));

interface Phase {
  lat: number[];
  statuses: Record<number, number>;
  errors: number;
}
const newPhase = (): Phase => ({ lat: [], statuses: {}, errors: 0 });
let cur = newPhase();
let n = 0;
const inFlight = new Set<Promise<void>>();

function reserveOne() {
  const i = n++;
  // distinct real-name visitors (30,000 of them): the per-ID daily limit must not be what answers
  const first17 = `33010619${70 + (i % 30)}0101${String(Math.floor(i / 30) % 1000).padStart(3, '0')}`;
  const body = {
    uuid: `bench-${i}-${randomBytes(4).toString('hex')}`,
    productId: product,
    optionId: 'DEFAULT',
    availabilityId: `${date}T09:00:00+08:00`,
    unitItems: [
      {
        unitId: 'adult',
        contact: { fullName: '测试' },
        identityDocument: { number: first17 + residentIdCheckChar(first17) },
      },
    ],
  };
  const phase = cur; // an answer counts for the phase its request was sent in
  const t = performance.now();
  const p = client
    .raw('POST', '/octo/bookings', body)
    .then(async (r) => {
      await r.arrayBuffer();
      phase.lat.push(performance.now() - t);
      phase.statuses[r.status] = (phase.statuses[r.status] ?? 0) + 1;
      if (r.status !== 200) phase.errors++;
    })
    .catch(() => {
      phase.errors++;
    })
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}

let timer: NodeJS.Timeout | undefined;
const pct = (s: Float64Array, q: number) =>
  s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0;
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'run') {
    timer ??= setInterval(reserveOne, 1000 / perSec);
    return;
  }
  const name = line.replace(/^report\s*/, '');
  clearInterval(timer);
  timer = undefined;
  const done = cur;
  cur = newPhase();
  // wait for the phase's answers still in flight
  void Promise.all(inFlight).then(() => {
    const s = Float64Array.from(done.lat).sort();
    const r2 = (x: number) => Math.round(x * 10) / 10;
    process.stdout.write(
      `${JSON.stringify({ phase: name, count: s.length, p50: r2(pct(s, 0.5)), p99: r2(pct(s, 0.99)), max: r2(s.length ? s[s.length - 1]! : 0), statuses: done.statuses, errors: done.errors })}\n`,
    );
  });
});
rl.on('close', () => {
  clearInterval(timer);
  void Promise.all(inFlight).then(() => process.exit(0));
});
