/**
 * Paid-path benchmark (issue 15): orders placed AND paid through the real WeChat Pay v3 and
 * Alipay adapters against the protocol-faithful fakes (bench/paid-fakes.ts, a process of
 * their own), in the same run as the unpaid order path, so the ratio is like for like on a
 * shared machine. A paid order is, as a visitor's: `POST /v1/orders` → `POST
 * /v1/orders/:id/payments` (the adapter signs a WECHATPAY2-SHA256-RSA2048 / RSA2 request to
 * the fake) → the payer pays → the fake's signed notification (WeChat's `resource`
 * AEAD_AES_256_GCM-encrypted) reaches `POST /v1/payments/callback/<provider>`, which
 * verifies, decrypts, binds it to the payment and issues the tickets before it acknowledges.
 * Counted paid only when the provider's notification was acknowledged; afterwards the
 * books are checked: every acknowledged order is `issued` with valid tickets.
 *
 *   npm run bench:paid -- [--json] [--seconds 6] [--rounds 3] [--connections 16] [--durable]
 *
 * Sides, in alternating slices: `unpaid` (the order alone), `wechat` and `alipay` (order +
 * payment + notification). Uses DATABASE_URL/REDIS_URL (the dev services); `--durable`
 * the benchmark's own fsync=on Postgres (scripts/bench-services.sh). Bounded: seconds ×
 * sides plus start-up; 127.0.0.1 only. Last line with --json: {"unpaidOrdersPerSec",
 * "paidOrdersPerSec","ratio","wechat":{…},"alipay":{…},"paidInDb","issuedTickets","errors",…}.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Agent } from 'node:http';
import { Redis } from 'ioredis';
import { outTradeNoOf } from '../core/payments/gateway.js';
import { closedLoop, loadAverage, pct, send, summarize, type Samples, type Summary } from './load.js';
import { benchServices, dropFixture, orderBody, orderFixture, unitsUsed, STOCK } from './order-fixture.js';
import { freePort, ROOT, startApi, stop } from './procs.js';

const args = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const json = args.includes('--json');
const seconds = Math.min(60, num('seconds', 6));
const rounds = Math.round(num('rounds', 3));
const connections = Math.min(128, num('connections', 16));
const say = (s: string) => console.log(json ? `# ${s}` : s);

/** The fakes' process: pay requests out on stdin, acknowledgements back on stdout. */
async function startFakes() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/paid-fakes.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, string>));
    child.once('exit', (c) => reject(new Error(`paid-fakes exited ${c}`)));
  });
  const waiting = new Map<number, (acked: boolean) => void>();
  lines.on('line', (l) => {
    const [n, acked] = l.split(' ');
    waiting.get(Number(n))?.(acked === '1');
    waiting.delete(Number(n));
  });
  let seq = 0;
  const pay = (provider: string, outTradeNo: string, payUrl: string | null) =>
    new Promise<boolean>((resolve) => {
      const n = seq++;
      waiting.set(n, resolve);
      child.stdin.write(`${n} ${provider} ${outTradeNo} ${payUrl ?? '-'}\n`);
    });
  return { child, env, pay };
}

type Side = 'unpaid' | 'wechat' | 'alipay';

async function main() {
  const svc = benchServices(args.includes('--durable'), 'bench:paid');
  const f = await orderFixture(svc.db, svc.redis);
  const redis = new Redis(svc.redis);
  const fakes = await startFakes();
  const port = await freePort();
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    api = await startApi(
      {
        ...f.env,
        ...fakes.env,
        SCENIC_PAYMENT_PROVIDERS: 'wechat,alipay',
        // the providers are the local fakes, and the bench says so (as the tests and the demo do)
        SCENIC_ALLOW_FAKE_GATEWAY: '1',
        SCENIC_PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
      port,
    );
    const pg = (
      await f.db.raw<{ rows: { s: string }[] }>(
        `select current_setting('fsync') || '/' || current_setting('synchronous_commit') as s`,
      )
    ).rows[0]!.s;
    say(
      `postgres fsync/synchronous_commit ${pg}; ${connections} connections, ${seconds} s per side in ${rounds} slices; load average ${await loadAverage()}`,
    );
    let paidOk = 0;
    let ordersOk = 0;
    const place = async (agent: Agent) => {
      const r = await send(agent, port, {
        path: '/v1/orders',
        body: orderBody(),
        headers: { 'idempotency-key': randomUUID() },
      });
      if (r.status === 201) ordersOk++;
      return r;
    };
    // per paid side, how long each of its three steps took (ms): place, start the payment, notify
    const stepMs: Record<Side, [number[], number[], number[]]> = {
      unpaid: [[], [], []],
      wechat: [[], [], []],
      alipay: [[], [], []],
    };
    const step =
      (side: Side) =>
      async (agent: Agent): Promise<number> => {
        const [tPlace, tStart, tNotify] = stepMs[side];
        let t = performance.now();
        const o = await place(agent);
        tPlace.push(performance.now() - t);
        if (side === 'unpaid' || o.status !== 201) return o.status;
        t = performance.now();
        const { id, accessToken } = JSON.parse(o.text) as { id: string; accessToken: string };
        const p = await send(agent, port, {
          path: `/v1/orders/${id}/payments`,
          body: JSON.stringify({ provider: side, device: 'desktop' }),
          headers: { 'x-order-token': accessToken },
        });
        tStart.push(performance.now() - t);
        if (p.status !== 201) return p.status;
        t = performance.now();
        const start = JSON.parse(p.text) as { paymentId: string; payUrl: string | null };
        const acked = await fakes.pay(side, outTradeNoOf(start.paymentId), start.payUrl);
        tNotify.push(performance.now() - t);
        if (!acked) return 502;
        paidOk++;
        return 200;
      };
    const sides: Side[] = ['unpaid', 'wechat', 'alipay'];
    const parts: Record<Side, Samples[]> = { unpaid: [], wechat: [], alipay: [] };
    for (let r = 0; r < rounds; r++)
      for (const side of sides)
        parts[side].push(
          await closedLoop(
            { connections, seconds: seconds / rounds, warmMs: r === 0 ? 1000 : 300 },
            step(side),
          ),
        );
    const by = Object.fromEntries(sides.map((s) => [s, summarize(parts[s])])) as Record<Side, Summary>;
    const line = (s: Side) =>
      `${s.padEnd(6)} ${by[s].perSec} orders/s, p50 ${by[s].p50.toFixed(1)} ms, p99 ${by[s].p99.toFixed(1)} ms, ${JSON.stringify(by[s].statuses)}`;
    for (const s of sides) say(line(s));

    // the books: every acknowledged notification issued its order
    const paidInDb = Number(
      (await f.db('orders').where({ status: 'issued' }).count<{ n: string }[]>('* as n'))[0]!.n,
    );
    const issuedTickets = Number(
      (await f.db('tickets').where({ status: 'valid' }).count<{ n: string }[]>('* as n'))[0]!.n,
    );
    const inDb = Number((await f.db('orders').count<{ n: string }[]>('* as n'))[0]!.n);
    const used = await unitsUsed(redis, f);
    const paidPerSec = Math.round((by.wechat.perSec + by.alipay.perSec) / 2);
    const round = (x: number) => Math.round(x * 10) / 10;
    const median = (xs: number[]) => round(pct(Float64Array.from(xs).sort(), 0.5));
    const view = (s: Summary) => ({ ordersPerSec: s.perSec, p50Ms: round(s.p50), p99Ms: round(s.p99) });
    // median ms of each step: the order itself, starting the payment (adapter → provider), the notification
    const steps = (s: Side) => ({
      placeP50Ms: median(stepMs[s][0]),
      startP50Ms: median(stepMs[s][1]),
      notifyP50Ms: median(stepMs[s][2]),
    });
    const out = {
      unpaidOrdersPerSec: by.unpaid.perSec,
      paidOrdersPerSec: paidPerSec,
      ratio: Math.round((paidPerSec / by.unpaid.perSec) * 100) / 100,
      unpaid: { ...view(by.unpaid), placeP50Ms: median(stepMs.unpaid[0]) },
      wechat: {
        ...view(by.wechat),
        ...steps('wechat'),
        ratio: Math.round((by.wechat.perSec / by.unpaid.perSec) * 100) / 100,
      },
      alipay: {
        ...view(by.alipay),
        ...steps('alipay'),
        ratio: Math.round((by.alipay.perSec / by.unpaid.perSec) * 100) / 100,
      },
      paidAcked: paidOk,
      paidInDb,
      issuedTickets,
      orders: ordersOk,
      inDb,
      oversold: Math.max(0, used - STOCK, used - inDb),
      errors: sides.reduce((n, s) => n + by[s].errors, 0),
      timeouts: sides.reduce((n, s) => n + by[s].timeouts, 0),
      connections,
      seconds,
      postgres: pg,
      loadAverage: await loadAverage(),
    };
    if (paidInDb !== paidOk) say(`MISMATCH: ${paidOk} notifications acknowledged, ${paidInDb} orders issued`);
    if (inDb !== ordersOk) say(`MISMATCH: ${ordersOk} orders answered 201, ${inDb} in Postgres`);
    console.log(json ? JSON.stringify(out) : out);
  } finally {
    if (api) await stop(api.child);
    fakes.child.stdin.end();
    await stop(fakes.child);
    await dropFixture(f, redis);
    redis.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error('bench:paid failed:', e);
  process.exitCode = 1;
});
