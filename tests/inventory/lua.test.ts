import { describe, expect, it, beforeAll, onTestFinished } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useRedis } from '../support/redis.js';
import { ManualClock } from '../../core/clock.js';
import { Inventory, type DayPlan, type ReserveRequest } from '../../core/inventory/inventory.js';
import { subscribeInventoryEvents, type InventoryEvent } from '../../core/inventory/events.js';
import { setChannelPaused } from '../../core/inventory/switches.js';
import { invKeys } from '../../core/inventory/keys.js';

const plan = (over: Partial<DayPlan> = {}): DayPlan => ({
  capacity: 100,
  thresholds: { yellow: 70, orange: 85, red: 100 },
  idLimit: 3,
  hysteresisPercent: 2,
  slots: { '0900': 60, '1000': 60 },
  quotas: { ota: 30 },
  ...over,
});

let area = 0;
describe('inventory Lua scripts (real Redis)', () => {
  const r = useRedis();
  const clock = new ManualClock('2026-07-01T00:00:00Z');
  let inv: Inventory;
  const plans = new Map<string, DayPlan>();
  beforeAll(() => {
    inv = new Inventory(r.redis, {
      prefix: r.prefix,
      clock,
      loadPlan: (a) => Promise.resolve(plans.get(a) ?? plan()),
    });
  });
  const newArea = (p?: DayPlan) => {
    const id = `a${++area}`;
    plans.set(id, p ?? plan());
    return id;
  };
  const req = (areaId: string, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
    resId: randomUUID(),
    areaId,
    date: '2026-07-15',
    slotId: '0900',
    channelId: 'web',
    channelKind: 'online',
    units: 1,
    idHashes: [randomUUID()],
    expiresAt: clock.now().getTime() + 900_000,
    ...over,
  });

  it('never sells more than a slot holds when hundreds of reservations race', async () => {
    const a = newArea(plan({ capacity: 1000, slots: { '0900': 100 } }));
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => {
        const units = (i % 4) + 1;
        return inv
          .reserve(req(a, { units, idHashes: Array.from({ length: units }, () => randomUUID()) }))
          .then((res) => ({ res, units }));
      }),
    );
    const sold = results.filter((x) => x.res.ok).reduce((s, x) => s + x.units, 0);
    const snap = await inv.snapshot(a, '2026-07-15');
    expect(sold).toBeLessThanOrEqual(100);
    expect(sold).toBeGreaterThanOrEqual(97); // fills up to what the last quantities allow
    expect(snap.slots['0900']!.used).toBe(sold);
    expect(snap.used).toBe(sold);
    expect(results.filter((x) => !x.res.ok).every((x) => !x.res.ok && x.res.reason === 'slot_sold_out')).toBe(
      true,
    );
  });

  it('takes the stock and the held-units budgets together or not at all, with racing buyers', async () => {
    // a budget key lives as long as its longest hold, by Redis's own clock
    const before = clock.now();
    clock.set(new Date());
    onTestFinished(() => clock.set(before));
    const a = newArea(plan({ capacity: 1000, slots: { '0900': 5, '1000': 60 } }));
    const budget = { keys: [`hc:{${a}}:2026-07-15:addr:x`, `hc:{${a}}:2026-07-15:dev:y`], cap: 4 };
    const held = async () => Promise.all(budget.keys.map(async (k) => Number(await r.redis.get(`${k}:n`))));
    // 20 one-unit orders from one buyer race for a slot of 5: the budget of 4 passes four
    const results = await Promise.all(
      Array.from({ length: 20 }, () => inv.reserveCounted(req(a), false, budget)),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(4);
    expect(results.filter((x) => 'budgetFull' in x && x.budget === 0 && x.held === 4)).toHaveLength(16);
    expect(await held()).toEqual([4, 4]);
    let snap = await inv.snapshot(a, '2026-07-15');
    expect(snap.slots['0900']!.used).toBe(4);
    // a full budget takes no stock, a stock refusal takes no budget
    const other = { keys: [`hc:{${a}}:2026-07-15:addr:z`], cap: 10 };
    expect(await inv.reserveCounted(req(a, { units: 1 }), false, other)).toMatchObject({ ok: true });
    const refused = await inv.reserveCounted(req(a, { units: 2 }), false, other);
    expect(refused).toMatchObject({ ok: false, reason: 'slot_sold_out' });
    expect(Number(await r.redis.get(`${other.keys[0]}:n`))).toBe(1);
    snap = await inv.snapshot(a, '2026-07-15');
    expect(snap.slots['0900']!.used).toBe(5);
    // the same reservation again changes neither
    const first = req(a, { slotId: '1000' });
    expect(await inv.reserveCounted(first, false, other)).toMatchObject({ ok: true, duplicate: false });
    expect(await inv.reserveCounted(first, false, other)).toMatchObject({ ok: true, duplicate: true });
    expect(Number(await r.redis.get(`${other.keys[0]}:n`))).toBe(2);
    // an expired hold leaves its budget at the next check
    clock.advance(900_001);
    expect(await inv.reserveCounted(req(a, { slotId: '1000' }), false, budget)).toMatchObject({ ok: true });
    expect(await held()).toEqual([1, 1]);
  });

  it('cuts online channels exactly at orange and every channel exactly at red', async () => {
    const a = newArea(plan({ slots: { '0900': 200 }, quotas: {} }));
    let online = 0;
    for (;;) {
      const res = await inv.reserve(req(a, { units: 1 }));
      if (!res.ok) {
        expect(res.reason).toBe('online_closed');
        expect(res.level).toBe('orange');
        break;
      }
      online++;
    }
    expect(online).toBe(85);
    let onsite = 0;
    for (;;) {
      const res = await inv.reserve(req(a, { units: 1, channelId: 'box-office', channelKind: 'onsite' }));
      if (!res.ok) {
        expect(res.reason).toBe('day_sold_out');
        expect(res.level).toBe('red');
        break;
      }
      onsite++;
    }
    expect(onsite).toBe(15);
  });

  it('refuses an online sale that would cross orange, while a smaller one fits', async () => {
    const a = newArea(plan({ slots: { '0900': 200 }, quotas: {} }));
    for (let i = 0; i < 41; i++)
      expect((await inv.reserve(req(a, { units: 2, idHashes: [] }))).ok).toBe(true);
    const big = await inv.reserve(req(a, { units: 4, idHashes: [] })); // 82 + 4 = 86 > 85
    expect(big.ok || big.reason).toBe('online_closed');
    expect((await inv.reserve(req(a, { units: 3, idHashes: [] }))).ok).toBe(true); // 85: the crossing sale
    const after = await inv.reserve(req(a, { units: 1, idHashes: [] }));
    expect(after.ok || after.reason).toBe('online_closed');
    expect(after.level).toBe('orange');
  });

  it('enforces channel quotas, manual pauses and the per-ID daily limit', async () => {
    const a = newArea();
    for (let i = 0; i < 10; i++)
      expect((await inv.reserve(req(a, { channelId: 'ota', units: 3, idHashes: [] }))).ok).toBe(true);
    const over = await inv.reserve(req(a, { channelId: 'ota', units: 1 }));
    expect(over.ok || over.reason).toBe('channel_quota_reached');

    await setChannelPaused(r.redis, {
      prefix: r.prefix,
      areaId: a,
      channelId: 'web',
      paused: true,
      actor: 't',
      reason: 'test',
      now: 0,
    });
    const paused = await inv.reserve(req(a));
    expect(paused.ok || paused.reason).toBe('channel_paused');
    await setChannelPaused(r.redis, {
      prefix: r.prefix,
      areaId: a,
      channelId: 'web',
      paused: false,
      actor: 't',
      reason: 'test',
      now: 0,
    });

    const person = 'id-hash-of-one-person';
    expect((await inv.reserve(req(a, { units: 2, idHashes: [person, person] }))).ok).toBe(true);
    expect((await inv.reserve(req(a, { units: 1, idHashes: [person], slotId: '1000' }))).ok).toBe(true);
    const fourth = await inv.reserve(req(a, { units: 1, idHashes: [person] }));
    expect(fourth.ok || fourth.reason).toBe('id_limit_reached');
  });

  it('is idempotent per reservation id and releases only what it holds', async () => {
    const a = newArea();
    const q = req(a, { units: 3, idHashes: ['x', 'y', 'z'] });
    expect(await inv.reserve(q)).toMatchObject({ ok: true, duplicate: false, dayUsed: 3 });
    expect(await inv.reserve(q)).toMatchObject({ ok: true, duplicate: true, dayUsed: 3 });
    expect(await inv.release(a, q.date, q.resId, { units: 1, idHashes: ['y'] })).toMatchObject({
      released: 1,
      dayUsed: 2,
    });
    expect((await inv.reservations(a, q.date)).get(q.resId)).toMatchObject({
      units: 2,
      idHashes: ['x', 'z'],
    });
    expect(await inv.release(a, q.date, q.resId, 'all')).toMatchObject({ released: 2, dayUsed: 0 });
    expect(await inv.release(a, q.date, q.resId, 'all')).toMatchObject({ released: 0, dayUsed: 0 });
    expect(await r.redis.hgetall(invKeys(a, q.date).ids)).toEqual({});
  });

  it('expires only unpaid holds that are past their expiry', async () => {
    const a = newArea();
    const hold = req(a, { expiresAt: clock.now().getTime() + 1000 });
    const paid = req(a, { expiresAt: clock.now().getTime() + 1000 });
    await inv.reserve(hold);
    await inv.reserve(paid);
    expect(await inv.confirm(a, paid.date, paid.resId)).toBe('confirmed');
    expect(await inv.confirm(a, paid.date, paid.resId)).toBe('already');
    expect((await inv.release(a, hold.date, hold.resId, 'expired')).released).toBe(0); // not yet
    clock.advance(1001);
    expect(await inv.dueHolds(a)).toEqual([{ date: hold.date, resId: hold.resId }]);
    expect((await inv.release(a, hold.date, hold.resId, 'expired')).released).toBe(1);
    expect((await inv.release(a, paid.date, paid.resId, 'expired')).released).toBe(0);
    expect(await inv.confirm(a, hold.date, hold.resId)).toBe('missing');
    expect((await inv.snapshot(a, hold.date)).used).toBe(1);
  });

  it('replaces a drifted record in one step: its old stock back, the new taken, counters exact', async () => {
    const a = newArea(plan({ slots: { '0900': 60, '1000': 60 } }));
    const ids = [randomUUID(), randomUUID()];
    const r = req(a, { units: 2, idHashes: ids, expiresAt: 0 });
    await inv.reserve(r);
    await inv.reserve(
      req(a, {
        slotId: '1000',
        channelId: 'ota',
        units: 3,
        idHashes: [randomUUID(), randomUUID(), randomUUID()],
      }),
    );
    // Postgres says this order is one ticket in the 10:00 slot through the OTA channel
    const fixed = { ...r, slotId: '1000', channelId: 'ota', units: 1, idHashes: [ids[0]!] };
    expect(await inv.reserve(fixed, true)).toMatchObject({ ok: true, duplicate: true }); // plain adopt leaves an existing record alone
    expect((await inv.reserve(fixed, 'replace')).ok).toBe(true);
    const snap = await inv.snapshot(a, r.date);
    expect(snap.used).toBe(4);
    expect([snap.slots['0900']!.used, snap.slots['1000']!.used]).toEqual([0, 4]);
    expect(snap.channels.web?.used ?? 0).toBe(0);
    expect(snap.channels.ota!.used).toBe(4);
    expect(await inv.reservation(a, r.date, r.resId)).toMatchObject({
      slotId: '1000',
      channelId: 'ota',
      units: 1,
    });
    expect(await inv.recount(a, r.date)).toEqual([]); // nothing drifted
  });

  it('extends only a live unpaid hold, in the record and in the expiry index', async () => {
    const a = newArea();
    const hold = req(a, { expiresAt: clock.now().getTime() + 1000 });
    const sold = req(a, { expiresAt: 0 });
    await inv.reserve(hold);
    await inv.reserve(sold);
    const later = clock.now().getTime() + 60_000;
    expect(await inv.extend(a, hold.date, hold.resId, later)).toBe('extended');
    expect((await inv.reservation(a, hold.date, hold.resId))?.expiresAt).toBe(later);
    clock.advance(1001); // past the first expiry: no longer due, not released
    expect(await inv.dueHolds(a)).toEqual([]);
    expect((await inv.release(a, hold.date, hold.resId, 'expired')).released).toBe(0);
    expect(await inv.extend(a, sold.date, sold.resId, later)).toBe('sale');
    expect(await inv.extend(a, hold.date, randomUUID(), later)).toBe('missing');
    await expect(inv.extend(a, hold.date, hold.resId, clock.now().getTime())).rejects.toThrow(
      /bad arguments/,
    );
    clock.advance(60_000); // now past the new expiry: an expired hold is never revived
    expect(await inv.extend(a, hold.date, hold.resId, clock.now().getTime() + 60_000)).toBe('expired');
    expect(await inv.dueHolds(a)).toEqual([{ date: hold.date, resId: hold.resId }]);
    expect((await inv.snapshot(a, hold.date)).used).toBe(2); // the stock never moved
  });

  it('publishes each level change once, with hysteresis on the way down', async () => {
    const a = newArea(plan({ slots: { '0900': 200 }, quotas: {} }));
    const sub = r.connect();
    const events: InventoryEvent[] = [];
    const stop = await subscribeInventoryEvents(sub, r.prefix, (e) => {
      if (e.type === 'capacity-level' && e.areaId === a) events.push(e);
    });
    const ids: ReserveRequest[] = [];
    for (let i = 0; i < 85; i++) {
      const q = req(a, { idHashes: [] });
      ids.push(q);
      await inv.reserve(q);
    }
    await inv.release(a, '2026-07-15', ids[0]!.resId, 'all'); // 84: still orange (hysteresis 2)
    await inv.release(a, '2026-07-15', ids[1]!.resId, 'all'); // 83: 83+2 = 85 still orange
    await inv.release(a, '2026-07-15', ids[2]!.resId, 'all'); // 82: 84 < 85 → yellow
    await new Promise((res) => setTimeout(res, 100));
    await stop();
    expect(events.map((e) => e.type === 'capacity-level' && `${e.previous}>${e.level}@${e.used}`)).toEqual([
      'green>yellow@70',
      'yellow>orange@85',
      'orange>yellow@82',
    ]);
  });

  it('recount repairs counters that drifted from the reservation records', async () => {
    const a = newArea();
    const q = req(a, { units: 2, idHashes: ['p', 'q'] });
    await inv.reserve(q);
    const k = invKeys(a, q.date);
    await r.redis.hset(k.day, 'used', 50, 's:0900:used', 7);
    await r.redis.hset(k.ids, 'ghost', 4);
    const fixes = await inv.recount(a, q.date);
    expect(fixes).toEqual(
      expect.arrayContaining([
        { field: 'used', was: 50, now: 2 },
        { field: 's:0900:used', was: 7, now: 2 },
        { field: 'id:ghost', was: 4, now: 0 },
      ]),
    );
    expect(await inv.recount(a, q.date)).toEqual([]);
  });
});
