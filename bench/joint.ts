/**
 * Joint-ticket simulation (issue 18): the brief's figure, 36 areas and 120,000 joint tickets
 * entering in a day, time-compressed, through the real API process on 127.0.0.1.
 *
 *   npm run bench:joint -- [--json] [--tickets 120000] [--areas 36] [--per-product 6] [--visitors 10]
 *                          [--connections 16] [--refund-every 50] [--second-every 10] [--precheck]
 *
 * The areas are split into joint products of `--per-product` areas each. Visitors buy them
 * (`POST /v1/joint-orders`, `--visitors` per order, so one order is visitors × areas
 * tickets), pay them at the WeChat Pay fake (the real v3 adapter; the signed notification
 * issues the tickets), and one order in `--refund-every` is refunded before the day. Then
 * every ticket enters once at its area through that area's gate device: by default as the
 * gate agent does it, verified at the turnstile and its journal uploaded (`POST
 * /gate/v1/journal`, 200 entries a batch, in seq order per gate, the areas in parallel),
 * which is where the centre counts entries; with `--precheck` as an online gate, asking
 * `POST /gate/v1/precheck` for every scan first. One ticket in `--second-every` comes back to
 * the same area: the online gate refuses it, and a second gate that was offline and let
 * it in anyway journals it, which must not count again. Afterwards the books are checked:
 * every ticket entered exactly once per area (entries_used, counted scans), and the day's
 * settlement statements (`GET /v1/admin/settlement`) add up, party by party, to the money
 * taken (payments less refunds). Bounded: `--tickets` tickets (orders = tickets / (visitors
 * × areas per product)), every request with a deadline; 127.0.0.1 only. Uses DATABASE_URL
 * and REDIS_URL (a schema and key prefix of its own, dropped at the end). Last line with
 * --json: {"areas","orders","tickets","entries","secondEntriesRefused","consistent",…}.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { Redis } from 'ioredis';
import { startWechatPayFake } from '../fakes/wechat-pay.js';
import { createApiKey } from '../core/auth/api-keys.js';
import { upsertArea } from '../core/catalog/catalog.js';
import { demoArea } from '../core/catalog/demo.js';
import { registerGateDevice } from '../core/checkin/devices.js';
import { JOURNAL_BATCH_MAX } from '../core/checkin/protocol.js';
import { systemClock } from '../core/clock.js';
import { upsertJointProduct } from '../core/joint/store.js';
import { outTradeNoOf } from '../core/payments/gateway.js';
import { localParts } from '../core/time.js';
import { loadAverage, pct, send, type Call } from './load.js';
import { dropFixture, nextId, orderFixture } from './order-fixture.js';
import { freePort, startApi, stop } from './procs.js';

const args = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return Math.round(v);
};
const json = args.includes('--json');
const ticketsWanted = Math.min(500_000, num('tickets', 120_000));
const areaCount = Math.min(36, num('areas', 36));
const perProduct = Math.min(areaCount, num('per-product', 6));
const visitorsPerOrder = Math.min(10, num('visitors', 10));
const connections = Math.min(64, num('connections', 16));
const refundEvery = num('refund-every', 50);
const secondEvery = num('second-every', 10);
const mode = args.includes('--precheck') ? 'precheck' : 'journal';
const say = (s: string) => console.log(json ? `# ${s}` : s);

const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const PRICE = 12_000; // fen per visitor
const areaIds = Array.from({ length: areaCount }, (_, i) => `joint-${String(i + 1).padStart(2, '0')}`);
const products = Array.from({ length: Math.ceil(areaCount / perProduct) }, (_, p) => ({
  id: `route-${p + 1}`,
  areas: areaIds.slice(p * perProduct, (p + 1) * perProduct),
}));
const ticketsPerOrder = (p: (typeof products)[number]) => p.areas.length * visitorsPerOrder;

/** Runs `work(i)` for i in [0, n) on `width` concurrent workers. */
async function pool(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

interface Ticket {
  id: string;
  areaId: string;
}

async function main() {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    console.error('bench:joint needs DATABASE_URL and REDIS_URL: `source /var/tmp/scenic/env`.');
    process.exit(2);
  }
  const f = await orderFixture(process.env.DATABASE_URL, process.env.REDIS_URL);
  const redis = new Redis(process.env.REDIS_URL);
  const wechat = await startWechatPayFake();
  // WeChat Pay notifies again until it is acknowledged; on a loaded machine a callback that
  // issues 60 tickets can pass the fake's 5 s deadline, and the retry finds it done
  wechat.notifier.retries = { attempts: 5, intervalMs: 1000 };
  const port = await freePort();
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  try {
    // 36 areas of one all-day slot each, stock no run exhausts; products of `perProduct` areas
    for (const id of areaIds)
      await upsertArea(
        f.db,
        demoArea({
          id,
          name: `Area ${id}`,
          dailyCapacity: 1_000_000,
          instantCapacity: 1_000_000,
          slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 1_000_000 }],
          quotas: [],
          priceRules: [],
          coupons: [],
        }),
      );
    for (const p of products) {
      const share = Math.floor(10_000 / p.areas.length);
      await upsertJointProduct(f.db, { kind: 'system', id: 'bench' }, systemClock, p.id, {
        name: `Route ${p.id}`,
        price: PRICE,
        areas: p.areas.map((areaId, i) => ({
          areaId,
          slotId: 'day',
          shareBps: i === 0 ? 10_000 - share * (p.areas.length - 1) : share,
        })),
        suppliers: [],
        active: true,
      });
    }
    // two turnstiles per area: g1 takes every first entry, g2 the second tries
    const gates = new Map<string, string>();
    for (const areaId of areaIds)
      for (const g of ['g1', 'g2'])
        gates.set(
          `${areaId}-${g}`,
          (
            await registerGateDevice(
              f.db,
              { id: `${areaId}-${g}`, areaId, entranceId: 'north-gate', kind: 'turnstile' },
              systemClock,
            )
          ).credential,
        );
    const adminKey = (await createApiKey(f.db, { name: 'bench admin', role: 'admin' })).key;
    api = await startApi(
      {
        ...f.env,
        ...wechat.env(),
        SCENIC_PAYMENT_PROVIDERS: 'wechat',
        SCENIC_ALLOW_FAKE_GATEWAY: '1',
        SCENIC_PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
      port,
    );
    const call = async (c: Call, want: number) => {
      const r = await send(agent, port, { timeoutMs: 120_000, ...c });
      if (r.status !== want) throw new Error(`${c.path}: ${r.status} ${r.text.slice(0, 300)}`);
      return JSON.parse(r.text) as Record<string, unknown>;
    };

    // orders: tickets / tickets per order, the products in turn
    const orderPlan: number[] = [];
    for (let t = 0; t < ticketsWanted;) {
      const p = orderPlan.length % products.length;
      orderPlan.push(p);
      t += ticketsPerOrder(products[p]!);
    }
    say(
      `${areaCount} areas, ${products.length} joint products of ${perProduct} areas, ${orderPlan.length} orders of ${visitorsPerOrder} visitors; ${connections} connections; load average ${await loadAverage()}`,
    );

    // 1. sell: place, pay, (some) refund
    const tickets: Ticket[] = [];
    const orderMs: number[] = [];
    let paidAmount = 0;
    let notifications = 0;
    let refunded = 0;
    const t0 = performance.now();
    await pool(orderPlan.length, connections, async (i) => {
      const product = products[orderPlan[i]!]!;
      const t = performance.now();
      const placed = await call(
        {
          path: '/v1/joint-orders',
          headers: {
            'idempotency-key': randomUUID(),
            'x-forwarded-for': `10.1.${(i >> 8) & 255}.${i & 255}`,
          },
          body: JSON.stringify({
            jointProductId: product.id,
            date: TODAY,
            visitors: Array.from({ length: visitorsPerOrder }, () => ({ name: '张三', idNumber: nextId() })),
          }),
        },
        201,
      );
      const id = placed.id as string;
      const token = placed.accessToken as string;
      const start = await call(
        {
          path: `/v1/orders/${id}/payments`,
          headers: { 'x-order-token': token },
          body: JSON.stringify({ provider: 'wechat', device: 'desktop' }),
        },
        201,
      );
      const deliveries = await wechat.pay(outTradeNoOf(start.paymentId as string));
      notifications += deliveries.length;
      const acked = deliveries.some((d) => d.status === 200 || d.status === 204);
      if (!acked) throw new Error(`order ${id}: no notification acknowledged: ${JSON.stringify(deliveries)}`);
      const o = await call({ path: `/v1/orders/${id}`, headers: { 'x-order-token': token } }, 200);
      if (o.status !== 'issued') throw new Error(`order ${id} is ${String(o.status)}, not issued`);
      paidAmount += o.amountTotal as number;
      orderMs.push(performance.now() - t);
      if (i % refundEvery === refundEvery - 1) {
        await call(
          {
            path: `/v1/orders/${id}/refunds`,
            headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ reason: 'illness' }),
          },
          201,
        );
        refunded++;
        return;
      }
      for (const tk of o.tickets as { id: string; areaId: string }[])
        tickets.push({ id: tk.id, areaId: tk.areaId });
    });
    const sellSeconds = (performance.now() - t0) / 1000;
    say(
      `sold ${orderPlan.length} orders (${refunded} refunded) in ${sellSeconds.toFixed(1)} s: ${(orderPlan.length / sellSeconds).toFixed(1)} orders/s, ${tickets.length} tickets to enter`,
    );

    // 2. enter: every ticket once at its area. `journal` (default): the area's gate agent
    // verified the QR offline, as a turnstile does, and uploads its journal (batches of up to
    // 200, in seq order per gate, areas in parallel); `precheck`: an online gate asks the
    // centre for each scan, then journals the admitted entry the same way.
    const byArea = new Map<string, Ticket[]>(areaIds.map((a) => [a, []]));
    // the visitors arrive mixed over the areas, as over a day
    for (const i of tickets.map((_, k) => k).sort((a, b) => ((a * 7919) % 104_729) - ((b * 7919) % 104_729)))
      byArea.get(tickets[i]!.areaId)!.push(tickets[i]!);
    const entry = (tk: Ticket, n: number, mode: 'online' | 'offline') => ({
      scanId: randomUUID(),
      seq: n,
      at: new Date().toISOString(),
      media: 'qr',
      ticketId: tk.id,
      direction: 'in',
      decision: 'admit',
      reason: 'ok',
      mode,
    });
    const journal = async (gate: string, entries: readonly Record<string, unknown>[]) => {
      for (let i = 0; i < entries.length; i += JOURNAL_BATCH_MAX)
        await call(
          {
            path: '/gate/v1/journal',
            headers: { authorization: `Bearer ${gates.get(gate)!}` },
            body: JSON.stringify({ entries: entries.slice(i, i + JOURNAL_BATCH_MAX) }),
          },
          200,
        );
    };
    const precheck = (tk: Ticket) =>
      call(
        {
          path: '/gate/v1/precheck',
          headers: { authorization: `Bearer ${gates.get(`${tk.areaId}-g1`)!}` },
          body: JSON.stringify({
            scanId: randomUUID(),
            ticketId: tk.id,
            at: new Date().toISOString(),
            media: 'qr',
          }),
        },
        200,
      );
    const entryMs: number[] = [];
    let refusedFirst = 0;
    const t1 = performance.now();
    await pool(areaIds.length, connections, async (a) => {
      const areaId = areaIds[a]!;
      const mine = byArea.get(areaId)!;
      if (mode === 'journal') {
        for (let i = 0; i < mine.length; i += JOURNAL_BATCH_MAX) {
          const t = performance.now();
          await journal(
            `${areaId}-g1`,
            mine.slice(i, i + JOURNAL_BATCH_MAX).map((tk, k) => entry(tk, i + k + 1, 'offline')),
          );
          entryMs.push(performance.now() - t);
        }
        return;
      }
      const admitted: Record<string, unknown>[] = [];
      for (const tk of mine) {
        const t = performance.now();
        const answer = await precheck(tk);
        entryMs.push(performance.now() - t);
        if (answer.admit !== true) refusedFirst++;
        else admitted.push(entry(tk, admitted.length + 1, 'online'));
        if (admitted.length % JOURNAL_BATCH_MAX === 0 && admitted.length)
          await journal(`${areaId}-g1`, admitted.slice(-JOURNAL_BATCH_MAX));
      }
      const rest = admitted.length % JOURNAL_BATCH_MAX;
      if (rest) await journal(`${areaId}-g1`, admitted.slice(-rest));
    });
    const enterSeconds = (performance.now() - t1) / 1000;
    const sortedMs = Float64Array.from(entryMs).sort();
    say(
      `${tickets.length - refusedFirst} entries (${mode}) in ${enterSeconds.toFixed(1)} s: ${Math.round(tickets.length / enterSeconds)} entries/s (${mode === 'journal' ? 'upload of 200' : 'precheck'} p50 ${pct(sortedMs, 0.5).toFixed(1)} ms, p99 ${pct(sortedMs, 0.99).toFixed(1)} ms); ${refusedFirst} first entries refused`,
    );

    // 3. a second entry at the same area, for one ticket in `secondEvery`: the online gate is
    // refused, and a second gate that was offline and let it in anyway is not counted again
    const seconds = tickets.filter((_, i) => i % secondEvery === 0);
    let secondRefused = 0;
    const reasons: Record<string, number> = {};
    await pool(seconds.length, connections, async (i) => {
      const answer = await precheck(seconds[i]!);
      if (answer.admit === false) secondRefused++;
      const reason = String(answer.reason);
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    });
    await pool(areaIds.length, connections, async (a) => {
      const areaId = areaIds[a]!;
      const again = seconds.filter((tk) => tk.areaId === areaId).map((tk, k) => entry(tk, k + 1, 'offline'));
      if (again.length) await journal(`${areaId}-g2`, again);
    });
    say(
      `second entries: ${secondRefused} of ${seconds.length} refused online ${JSON.stringify(reasons)}, as many journaled by an offline gate`,
    );
    // 4. the books: once per ticket per area; settlement against the money taken
    type AreaRow = { area_id: string; tickets: string; entered: string; over: string; scans: string };
    const perArea = (
      await f.db.raw<{ rows: AreaRow[] }>(
        `select t.area_id, count(*) as tickets, count(*) filter (where t.entries_used = 1) as entered,
                count(*) filter (where t.entries_used > 1) as over,
                (select count(*) from checkin_scans s where s.area_id = t.area_id and s.counted and s.direction = 'in') as scans
           from tickets t where t.status in ('valid', 'used') group by t.area_id order by t.area_id`,
      )
    ).rows;
    const entered = perArea.reduce((s, a) => s + Number(a.entered), 0);
    const overCounted = perArea.reduce((s, a) => s + Number(a.over), 0);
    const countedScans = perArea.reduce((s, a) => s + Number(a.scans), 0);
    const perAreaEntries = perArea.map((a) => Number(a.entered));
    const settlement = await call(
      {
        path: `/v1/admin/settlement?from=${TODAY}&to=${TODAY}`,
        headers: { authorization: `Bearer ${adminKey}` },
      },
      200,
    );
    const totals = settlement.totals as { sales: number; refunds: number; taken: number; commission: number };
    const partiesSum = (settlement.parties as { total: number }[]).reduce((s, p) => s + p.total, 0);
    const paidDb = Number(
      (await f.db('payments').whereIn('status', ['succeeded', 'refunded']).sum({ s: 'amount' }))[0]!.s,
    );
    const backDb = Number((await f.db('refunds').whereNot({ status: 'failed' }).sum({ s: 'amount' }))[0]!.s);
    const moneyTaken = paidDb - backDb;
    const ok =
      entered === tickets.length &&
      overCounted === 0 &&
      countedScans === tickets.length &&
      secondRefused === seconds.length &&
      totals.taken === moneyTaken &&
      partiesSum === moneyTaken &&
      totals.sales === paidAmount;
    say(
      `books: ${entered} tickets entered once (${overCounted} more than once, ${countedScans} counted scans) over ${perArea.length} areas (${Math.min(...perAreaEntries)}–${Math.max(...perAreaEntries)} per area); settlement taken ${totals.taken} fen, parties sum ${partiesSum}, money taken ${moneyTaken} (paid ${paidDb}, refunded ${backDb}): ${ok ? 'consistent' : 'INCONSISTENT'}`,
    );
    const total = sellSeconds + enterSeconds;
    const out = {
      areas: perArea.length,
      jointProducts: products.length,
      orders: orderPlan.length,
      refundedOrders: refunded,
      paymentNotifications: notifications,
      tickets: tickets.length,
      entries: entered,
      entriesOverCounted: overCounted,
      secondEntriesTried: seconds.length,
      secondEntriesRefused: secondRefused,
      perAreaEntries: { min: Math.min(...perAreaEntries), max: Math.max(...perAreaEntries) },
      ordersPerSec: Math.round((orderPlan.length / sellSeconds) * 10) / 10,
      ticketsSoldPerSec: Math.round((orderPlan.length * ticketsPerOrder(products[0]!)) / sellSeconds),
      orderP50Ms: Math.round(pct(Float64Array.from(orderMs).sort(), 0.5)),
      entryMode: mode,
      entriesPerSec: Math.round(tickets.length / enterSeconds),
      entryStepP99Ms: Math.round(pct(sortedMs, 0.99) * 10) / 10,
      sellSeconds: Math.round(sellSeconds),
      enterSeconds: Math.round(enterSeconds),
      // a day's opening hours (08:00–18:00) replayed in the bench's seconds
      compression: Math.round(36_000 / total),
      settlement: { ...totals, partiesSum },
      moneyTaken,
      consistent: ok,
    };
    if (json) console.log(JSON.stringify(out));
    if (!ok) process.exitCode = 1;
  } finally {
    agent.destroy();
    if (api) await stop(api.child);
    await wechat.close();
    await dropFixture(f, redis);
    redis.disconnect();
  }
}

await main();
