import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from '../support/redis.js';
import { ManualClock } from '../../core/clock.js';
import { Inventory, type DayPlan } from '../../core/inventory/inventory.js';
import { invKeys } from '../../core/inventory/keys.js';

const N = Number(process.env.RECOUNT_N ?? 1_000_000);
/** The slowest Redis call allowed while the recount runs (see the assertion). */
const SLOWEST_MS = Number(process.env.RECOUNT_SLOWEST_MS ?? 500);
const AREA = 'big';
const DATE = '2026-07-15';
const SLOTS = ['0900', '1000', '1100', '1200'];
const CHANNELS = ['web', 'ota', 'box-office'];

const plan: DayPlan = {
  capacity: 4 * N,
  thresholds: { yellow: 70, orange: 85, red: 100 },
  idLimit: 0,
  hysteresisPercent: 2,
  slots: Object.fromEntries(SLOTS.map((s) => [s, N])),
  quotas: {},
};

/**
 * Issue 19: the recount read every reservation of an area-day in one script (8 s with
 * 1.2 M holds, every sale waiting behind it). With a million reservations in Redis and
 * sales and releases running all along, the chunked recount finds exactly the drift put
 * there, leaves the counters equal to what the records hold, and Redis's own latency
 * monitor sees no long call (a few ms each on an idle machine, see SLOWEST_MS).
 */
describe('recount at a million reservations (own Redis)', () => {
  const r = usePrivateRedis();
  const clock = new ManualClock('2026-07-01T00:00:00Z');
  const k = invKeys(AREA, DATE);
  const id = (i: number) => `id${i.toString(36).padStart(8, '0')}`;

  /** The records, written straight into the hashes in pipelined pages of 1,000 fields. */
  async function populate(): Promise<void> {
    const used = { day: 0, s: new Map<string, number>(), c: new Map<string, number>() };
    for (let page = 0; page < N; page += 10_000) {
      const p = r.redis.pipeline();
      for (let at = page; at < page + 10_000; at += 1000) {
        const res: string[] = [];
        const ids: string[] = [];
        for (let i = at; i < at + 1000; i++) {
          const s = SLOTS[i % SLOTS.length]!;
          const c = CHANNELS[i % CHANNELS.length]!;
          const u = (i % 3) + 1;
          used.day += u;
          used.s.set(s, (used.s.get(s) ?? 0) + u);
          used.c.set(c, (used.c.get(c) ?? 0) + u);
          const rec = {
            s,
            c,
            u,
            i: [id(i)],
            h: 1,
            e: 1_800_000_000_000,
            t: 1_700_000_000_000,
            n: i + 1,
            d: 0,
          };
          res.push(`r${i}`, JSON.stringify(rec));
          ids.push(id(i), '1');
        }
        p.hset(k.res, ...res);
        p.hset(k.ids, ...ids);
      }
      await p.exec();
    }
    const counters: (string | number)[] = ['used', used.day];
    for (const [s, n] of used.s) counters.push(`s:${s}:used`, n);
    for (const [c, n] of used.c) counters.push(`c:${c}:used`, n);
    await r.redis.hset(k.day, ...counters);
  }

  /** What the records hold, summed on this side from an HSCAN of them all. */
  async function recordsSum() {
    const want = new Map<string, number>();
    const ids = new Map<string, number>();
    const add = (f: string, n: number) => want.set(f, (want.get(f) ?? 0) + n);
    let cursor = '0';
    do {
      const [next, flat] = await r.redis.hscan(k.res, cursor, 'COUNT', 5000);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        const rec = JSON.parse(flat[i]!) as { s: string; c: string; u: number; i: string[] | object };
        add('used', rec.u);
        add(`s:${rec.s}:used`, rec.u);
        add(`c:${rec.c}:used`, rec.u);
        for (const x of Array.isArray(rec.i) ? (rec.i as string[]) : []) ids.set(x, (ids.get(x) ?? 0) + 1);
      }
    } while (cursor !== '0');
    return { want, ids };
  }

  it('repairs exactly the drift, under sales, and never holds Redis long', { timeout: 480_000 }, async () => {
    const t0 = Date.now();
    const inv = new Inventory(r.redis, { prefix: '', clock, loadPlan: () => Promise.resolve(plan) });
    await inv.init(AREA, DATE, plan);
    await populate();
    // drift: 7 units too many on the day, a ghost visitor, one visitor counted twice
    await r.redis.hincrby(k.day, 'used', 7);
    await r.redis.hset(k.ids, 'ghost', 4, id(5), 2);
    const populatedMs = Date.now() - t0;
    await r.redis.config('SET', 'latency-monitor-threshold', '5');
    await r.redis.latency('RESET');

    let selling = true;
    let sold = 0;
    const sales = (async () => {
      for (let i = 0; selling; i++) {
        const units = (i % 2) + 1;
        const ok = await inv.reserve({
          resId: `new${i}`,
          areaId: AREA,
          date: DATE,
          slotId: SLOTS[i % SLOTS.length]!,
          channelId: CHANNELS[i % CHANNELS.length]!,
          channelKind: 'online',
          units,
          idHashes: Array.from({ length: units }, (_, j) => `new${i}-${j}`),
          expiresAt: 0,
        });
        if (ok.ok) sold++;
        // give back stock both counted already and not yet, whole and in part
        const old = 10 + ((i * 7919) % (N - 20));
        if (i % 3 === 2) await inv.release(AREA, DATE, `r${old}`, { units: 1, idHashes: [id(old)] });
        else await inv.release(AREA, DATE, `r${old}`, 'all');
        if (i % 5 === 4) await inv.release(AREA, DATE, `new${i - 2}`, 'all');
      }
    })();
    const started = Date.now();
    const fixes = await inv.recount(AREA, DATE);
    const took = Date.now() - started;
    selling = false;
    await sales;
    expect(sold).toBeGreaterThan(100); // sales really ran alongside

    expect(fixes.map((f) => f.field).sort()).toEqual(['id:ghost', `id:${id(5)}`, 'used']);
    expect(fixes).toEqual(
      expect.arrayContaining([
        { field: 'id:ghost', was: 4, now: 0 },
        { field: `id:${id(5)}`, was: 2, now: 1 },
      ]),
    );
    const usedFix = fixes.find((f) => f.field === 'used')!;
    expect(usedFix.was - usedFix.now).toBe(7); // the drift, whatever sold meanwhile

    const { want, ids } = await recordsSum();
    const day = await r.redis.hgetall(k.day);
    for (const [f, n] of want) expect([f, Number(day[f])]).toEqual([f, n]);
    const live = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, flat] = await r.redis.hscan(k.ids, cursor, 'COUNT', 5000);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) live.set(flat[i]!, Number(flat[i + 1]));
    } while (cursor !== '0');
    expect(live.size).toBe(ids.size);
    let differ = 0;
    for (const [x, n] of ids) if (live.get(x) !== n) differ++;
    expect(differ).toBe(0);
    expect(await r.redis.exists(k.audit, k.auditIds)).toBe(0);

    const latest = (await r.redis.latency('LATEST')) as [string, number, number, number][];
    const slowest = Math.max(0, ...latest.map((e) => e[3]));
    const figure = { reservations: N, populatedMs, recountMs: took, sold, slowestRedisMs: slowest, latest };
    process.stdout.write(`${JSON.stringify(figure)}\n`);
    // Redis times a call from its start to its end, off-CPU time included: on this 2-core
    // machine shared by a dozen busy processes a 1 ms step (or a plain HGET) is parked for up
    // to ~170 ms (measured at load average 20). The bound is what no scheduling hiccup reaches and the old one-script recount
    // passes many times over (8 s at 1.2 M holds); bench:orders reports the figure itself.
    expect(slowest).toBeLessThan(SLOWEST_MS);
  });
});
