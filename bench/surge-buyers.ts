/**
 * One generator process of `bench:scale --surge`: its share of the virtual buyers (buyer i
 * belongs to generator i mod BENCH_GENERATORS) arrive at the waiting room at evenly spaced
 * times over BENCH_WINDOW_S seconds from BENCH_T0 (epoch ms), wait their turn on 429 +
 * Retry-After as a buyer's app does, and hold one ticket once admitted. Prints one JSON
 * line with the counts when every buyer has an answer (a place and a hold, or sold out),
 * or at BENCH_DEADLINE (epoch ms), counting the unanswered as `unanswered`.
 * The generator runs in processes of its own so the buyers' event loop is not the API's.
 */
import { Agent } from 'node:http';
import { RequestTimeout, send, pct } from './load.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`surge-buyers needs ${name}`);
  return v;
};
const port = Number(env('BENCH_PORT'));
const area = env('BENCH_AREA');
const date = env('BENCH_DATE');
const buyers = Number(env('BENCH_BUYERS'));
const generators = Number(env('BENCH_GENERATORS'));
const index = Number(env('BENCH_INDEX'));
const windowMs = Number(env('BENCH_WINDOW_S')) * 1000;
const t0 = Number(env('BENCH_T0'));
const deadline = Number(env('BENCH_DEADLINE'));
/** a request with no answer after this is a timeout: the buyer's app would give up */
const REQUEST_TIMEOUT_MS = 30_000;

const agent = new Agent({ keepAlive: true, maxSockets: 400 });
const counts = {
  buyers: 0,
  sold: 0,
  soldOut: 0,
  joins: 0,
  polls: 0,
  shed: 0,
  errors: 0,
  timeouts: 0,
  unanswered: 0,
  statuses: {} as Record<string, number>,
};
const waits: number[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Room {
  queueToken?: string;
  admissionToken?: string | null;
  retryAfterSeconds?: number;
  code?: string;
}

async function call(path: string, body?: string, headers: Record<string, string> = {}) {
  const a = await send(agent, port, { path, body, headers, timeoutMs: REQUEST_TIMEOUT_MS });
  counts.statuses[a.status] = (counts.statuses[a.status] ?? 0) + 1;
  return a;
}

async function buyer(i: number): Promise<void> {
  const arrived = Date.now();
  const device = `surge-${i}`;
  const join = () => {
    counts.joins++;
    return call(`/v1/queue/${area}/join`, JSON.stringify({ deviceId: device }));
  };
  try {
    let a = await join();
    let room = JSON.parse(a.text) as Room;
    let token = room.queueToken;
    while (a.status === 429 && Date.now() < deadline) {
      if (room.code === 'waiting_room_busy') counts.shed++;
      await sleep(Math.max(1, room.retryAfterSeconds ?? 1) * 1000);
      // a shed join is not in line yet: join again; otherwise ask where we stand
      if (token) {
        counts.polls++;
        a = await call(`/v1/queue/${area}/status`, undefined, { 'x-queue-token': token });
      } else a = await join();
      room = JSON.parse(a.text) as Room;
      token ??= room.queueToken;
    }
    if (a.status !== 200 || !room.admissionToken) {
      if (a.status === 429) counts.unanswered++;
      else counts.errors++;
      return;
    }
    const h = await call(
      '/v1/presale/holds',
      JSON.stringify({ areaId: area, date, slotId: '0900', quantity: 1 }),
      { 'x-admission-token': room.admissionToken, 'x-device-id': device },
    );
    if (h.status === 201) counts.sold++;
    else if (h.status === 409) counts.soldOut++;
    else counts.errors++;
    waits.push(Date.now() - arrived);
  } catch (e) {
    if (e instanceof RequestTimeout) counts.timeouts++;
    counts.errors++;
  }
}

async function main(): Promise<void> {
  const mine: Promise<void>[] = [];
  // arrivals at their scheduled times, started by a 10 ms ticker (not 100,000s of timers)
  for (let i = index; i < buyers; i += generators) {
    const at = t0 + (i / buyers) * windowMs;
    const wait = at - Date.now();
    if (wait > 10) await sleep(wait);
    counts.buyers++;
    mine.push(buyer(i));
  }
  await Promise.race([Promise.all(mine), sleep(Math.max(0, deadline - Date.now()))]);
  const answered = counts.sold + counts.soldOut + counts.errors + counts.unanswered;
  counts.unanswered += Math.max(0, counts.buyers - answered);
  const w = Float64Array.from(waits).sort();
  agent.destroy();
  console.log(
    JSON.stringify({
      ...counts,
      waitP50Ms: Math.round(pct(w, 0.5)),
      waitP99Ms: Math.round(pct(w, 0.99)),
      waitMaxMs: Math.round(w.at(-1) ?? 0),
    }),
  );
}

main().catch((e: unknown) => {
  console.error('surge-buyers failed:', e);
  process.exit(1);
});
