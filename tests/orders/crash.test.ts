import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { useRedis } from '../support/redis.js';
import { residentId } from '../support/platform.js';
import { RoleProcess, freePort, roleEnv, waitFor } from '../support/processes.js';
import { httpClient, prng } from '../support/http.js';
import { startWechatPayFake, type WechatPayFake } from '../../fakes/wechat-pay.js';
import { outTradeNoOf } from '../../core/payments/gateway.js';
import { loadConfig } from '../../core/config.js';
import { createPlatform, type Platform } from '../../core/platform.js';
import { upsertArea, upsertChannels } from '../../core/catalog/catalog.js';
import { DEFAULT_CHANNELS } from '../../core/catalog/definition.js';
import { demoArea } from '../../core/catalog/demo.js';
import { reconcileAll, hasDrift } from '../../core/orders/reconcile.js';
import { LIVE_STATUSES } from '../../core/orders/model.js';
import { addDays, localParts } from '../../core/time.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 4);
const CAPACITY = 150;

/**
 * The API and the worker run as real processes and die for real: SIGKILL at random
 * moments, plus self-inflicted SIGKILLs at the worst points (between the Redis
 * reservation and the Postgres commit, after the commit before the answer, after
 * the Redis confirm of a payment, after a refund's commit before its stock is freed). Clients retry with their idempotency keys as a
 * phone app would. After the storm the reconciler runs once, and then: every order a
 * client got a 2xx for is in Postgres, every hold became an order or was released,
 * and Redis equals what Postgres implies.
 */
describe('crash safety: kill the API and the worker mid-flow', () => {
  const pg = usePostgres();
  const r = useRedis();
  let wechat: WechatPayFake;
  let platform: Platform;
  let api: RoleProcess;
  let worker: RoleProcess;
  let port: number;

  beforeAll(async () => {
    wechat = await startWechatPayFake();
    // WeChat Pay retries a notification until it is acknowledged: through the API's deaths
    wechat.notifier.retries = { attempts: 40, intervalMs: 250 };
    port = await freePort();
    const env = {
      ...roleEnv({ databaseUrl: pg.url, schema: pg.schema, redis: r, gateway: wechat.env(), port }),
      SCENIC_HOLD_TTL_SECONDS: '30',
      SCENIC_ANON_HELD_UNITS: '1000000', // every order comes from 127.0.0.1 (issue 17 item 8's budgets)
    };
    platform = createPlatform(loadConfig(env), { role: 'test' });
    await upsertChannels(platform.db, DEFAULT_CHANNELS);
    await upsertArea(
      platform.db,
      demoArea({
        id: 'crash',
        dailyCapacity: CAPACITY,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: CAPACITY }],
        quotas: [],
      }),
    );
    api = new RoleProcess('api', {
      ...env,
      SCENIC_FAULTS:
        'order.after-reserve=0.04,order.after-commit=0.04,payment.after-confirm=0.08,refund.before-release=0.15',
    });
    worker = new RoleProcess('worker', env);
  });
  afterAll(async () => {
    await api?.kill();
    await worker?.kill();
    await wechat?.close();
    await platform?.close();
  });

  const healthy = async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;

  it('loses no order and leaves Redis equal to Postgres', async () => {
    api.start();
    worker.start();
    // the API's own output says why it did not come up (a refused config, a slow start)
    await waitFor('api up', healthy, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; api output:\n${api.output.slice(-4000)}`);
    });
    const rnd = prng(7);
    const client = httpClient(`http://127.0.0.1:${port}`, 16);
    const acknowledged = new Set<string>();
    const refusals = new Map<string, number>();
    let stop = false;

    // keeps the API up: restarts it whenever it died (fault or our SIGKILL)
    const supervisor = (async () => {
      while (!stop) {
        if (!api.alive) api.start();
        if (!worker.alive) worker.start();
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    // kills the API and the worker at random moments, each 0.8–2 s after the API last
    // came up: on a loaded machine a restart takes longer, and a clock that ignored that
    // would leave the API dead most of the time and only make the test slow
    const chaos = (async () => {
      while (!stop) {
        while (!stop && !(await healthy().catch(() => false)))
          await new Promise((res) => setTimeout(res, 100));
        await new Promise((res) => setTimeout(res, 800 + rnd() * 1200));
        if (stop) break;
        if (rnd() < 0.7) await api.kill();
        else await worker.kill();
      }
    })();

    let lastFailure = '';
    async function withRetry<T>(
      fn: () => Promise<{ status: number; body: T }>,
    ): Promise<{ status: number; body: T } | undefined> {
      // longer than an idempotency lease (30 s, core/idempotency.ts): a key whose run died
      // is free again by then
      const givesUpAt = performance.now() + 40_000;
      while (performance.now() < givesUpAt) {
        try {
          const res = await fn();
          // a key whose first run died with the API stays busy until its lease lapses:
          // the app waits and asks again, as it does on a 5xx
          const busy =
            res.status === 409 && (res.body as { code?: unknown }).code === 'idempotency_in_progress';
          if (res.status < 500 && !busy) return res;
          lastFailure = `${res.status} ${String((res.body as { code?: unknown }).code)}`;
        } catch (e) {
          /* connection refused or reset: the process died; retry like a phone would */
          lastFailure = (e as Error).message;
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      return undefined;
    }

    // polls the order as the app's "waiting for payment" screen does, for as long as WeChat
    // Pay keeps retrying its notice
    async function paidWithin(id: string, token: string, phone: Record<string, string>): Promise<boolean> {
      const givesUpAt = performance.now() + 15_000;
      while (performance.now() < givesUpAt) {
        const o = await withRetry(() =>
          client.send('GET', `/v1/orders/${id}`, undefined, { ...phone, 'x-order-token': token }),
        );
        if (o?.body.status === 'issued') return true;
        await new Promise((res) => setTimeout(res, 250));
      }
      return false;
    }
    const refundAnswers: string[] = [];

    let person = 0;
    // Bounded by time as well as by count: on a loaded machine every restart takes longer, and
    // the storm has proven its point long before the last of 200 orders (asserted below). A
    // buyer busy at the end may still wait out a payment (15 s) and a retried refund (40 s).
    const buyingEnds = performance.now() + 110_000;
    const buyers = Array.from({ length: 10 }, async (_, b) => {
      // each buyer is a phone of its own (the API trusts X-Forwarded-For from loopback):
      // one address for all would meet the per-client rate limit instead of the crashes
      const phone = { 'x-forwarded-for': `10.0.0.${b + 1}` };
      for (let i = 0; i < 20 && performance.now() < buyingEnds; i++) {
        const key = `crash-${b}-${i}`;
        const units = 1 + Math.floor(rnd() * 3);
        const body = {
          areaId: 'crash',
          date: D,
          slotId: '0900',
          contactPhone: '13912345678',
          items: [
            {
              productId: 'adult',
              visitors: Array.from({ length: units }, () => ({
                name: 'C',
                idNumber: residentId('19770707', person++),
              })),
            },
          ],
        };
        const res = await withRetry(() =>
          client.send('POST', '/v1/orders', body, { ...phone, 'idempotency-key': key }),
        );
        if (!res || res.status !== 201) {
          const why = res ? `${res.status} ${String((res.body as { code?: unknown }).code)}` : 'gave up';
          refusals.set(why, (refusals.get(why) ?? 0) + 1);
          continue;
        }
        const id = res.body.id as string;
        acknowledged.add(id);
        if (rnd() < 0.6) {
          const pay = await withRetry(() =>
            client.send('POST', `/v1/orders/${id}/payments`, undefined, {
              ...phone,
              'x-order-token': res.body.accessToken as string,
            }),
          );
          const payId = pay?.status === 201 ? (pay.body.paymentId as string | null) : null;
          if (payId) await wechat.pay(outTradeNoOf(payId)).catch(() => undefined); // paid already, or expired
          // some visitors change their minds: a refund frees the stock for the others. The app
          // offers the refund once the order shows as paid: WeChat Pay's notice may reach the
          // API (through its deaths) after the buyer is back, and a refund asked before that is
          // rightly refused as order_not_paid, which on a slow machine was every one of them
          if (payId && rnd() < 0.5 && (await paidWithin(id, res.body.accessToken as string, phone)))
            refundAnswers.push(
              await withRetry(() =>
                client.send(
                  'POST',
                  `/v1/orders/${id}/refunds`,
                  { reason: 'illness' },
                  {
                    ...phone,
                    'x-order-token': res.body.accessToken as string,
                    'idempotency-key': `refund-${key}`,
                  },
                ),
              ).then((r) => (r ? `${r.status}` : `gave up: ${lastFailure}`)),
            );
        }
      }
    });
    await Promise.all(buyers);
    stop = true;
    await Promise.all([supervisor, chaos]);
    await api.kill();
    await worker.kill();
    client.close();
    expect(api.exits).toBeGreaterThan(2); // the storm really happened

    // every order a client was told about exists in Postgres
    const rows: { id: string }[] = await platform.db('orders').select('id');
    const ids = new Set(rows.map((o) => o.id));
    for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    // what the storm did, printed and carried by the assertions below that depend on it
    const storm = `crash test: ${acknowledged.size} orders acknowledged, API exits ${api.exits}, refused: ${JSON.stringify([...refusals])}, refund answers: ${JSON.stringify(refundAnswers)}`;
    console.warn(storm);
    expect(acknowledged.size, storm).toBeGreaterThanOrEqual(10); // the storm hit enough orders to count

    // one reconciler pass with no grace (no process is running any more)
    const first = await reconcileAll(platform.orders, await platform.inventory.reservationDays(), 0);
    const second = await reconcileAll(platform.orders, await platform.inventory.reservationDays(), 0);
    expect(second.filter(hasDrift)).toEqual([]);
    expect(first.length).toBeGreaterThan(0);

    // Redis holds exactly the live orders, unit for unit
    const live: { res_id: string; status: string; units: number }[] = await platform
      .db('orders as o')
      .join('tickets as t', 't.order_id', 'o.id')
      .where({ 'o.area_id': 'crash' })
      .whereIn('o.status', LIVE_STATUSES)
      .whereIn('t.status', ['pending', 'valid'])
      .groupBy('o.res_id', 'o.status')
      .select('o.res_id', 'o.status', platform.db.raw('sum(t.units)::int as units'));
    const redis = await platform.inventory.reservations('crash', D);
    expect(new Set(redis.keys())).toEqual(new Set(live.map((l) => l.res_id)));
    for (const l of live)
      expect(redis.get(l.res_id)).toMatchObject({ units: l.units, held: l.status === 'held' });
    const total = live.reduce((s, l) => s + l.units, 0);
    const snap = await platform.inventory.snapshot('crash', D);
    expect(snap.used).toBe(total);
    expect(total).toBeLessThanOrEqual(CAPACITY);

    // money: every succeeded payment ended in issued tickets or a refund
    const paid: { order_id: string; status: string }[] = await platform
      .db('payments as p')
      .join('orders as o', 'o.id', 'p.order_id')
      .where('p.status', 'in', ['succeeded', 'refunded'])
      .select('p.order_id', 'o.status');
    for (const p of paid) {
      if (p.status !== 'issued') {
        const refunds: { n: number }[] = await platform
          .db('refunds')
          .where({ order_id: p.order_id })
          .count({ n: '*' });
        expect(Number(refunds[0]!.n)).toBeGreaterThan(0);
      }
    }
    expect(paid.length).toBeGreaterThan(0);
    const refunded: { n: number }[] = await platform
      .db('orders')
      .where({ area_id: 'crash', status: 'refunded' })
      .count({ n: '*' });
    expect(Number(refunded[0]!.n), storm).toBeGreaterThan(0);
  }, 240_000);
});
