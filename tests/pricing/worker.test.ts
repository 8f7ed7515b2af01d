import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { ManualClock } from '../../core/clock.js';
import { addDays, localParts } from '../../core/time.js';
import { startWorkers } from '../../workers/main.js';
import { forecastProcessor, type ForecastJob } from '../../workers/forecast.js';

/**
 * Issue 22: the forecast worker recomputes every area's forecast and price factors on
 * its schedule — when none exists, on a new local day, and after bookings for the
 * coming days change — idempotently (a run on unchanged books changes and audits
 * nothing) and never over a manager's pinned factor.
 */
const clock = new ManualClock(new Date());
const AREA = 'fcw';
const SLOTS = [
  { id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 10 },
  { id: '1000', startsAt: '10:00', endsAt: '11:00', capacity: 10 },
];
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);
const check = { name: 'check', data: {} } as Job<ForecastJob>;

describe('22 the forecast refresh worker', () => {
  const api = useApi({ app: { rateLimits: false }, clock });
  const audits = async () =>
    Number(
      (
        await api.platform.db('audit_log').where({ action: 'scenic.price.factor_changed' }).count({ n: '*' })
      )[0]!.n,
    );
  const forecastOf = (slotId: string) =>
    api.platform.db('crowd_forecasts').where({ area_id: AREA, visit_date: D, slot_id: slotId }).first();

  it('runs on its BullMQ schedule and stores a forecast for every slot of the horizon, and no factor where nothing is known yet', async () => {
    await api.seed(demoArea({ id: AREA, slots: SLOTS, dailyCapacity: 20, instantCapacity: 20 }));
    const workers = await startWorkers(api.platform, {
      sweepEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
      forecast: { everyMs: 300 },
    });
    try {
      await waitFor(
        'the first forecast of the area',
        async () =>
          Number(
            (await api.platform.db('crowd_forecasts').where({ area_id: AREA }).count({ n: '*' }))[0]!.n,
          ) === 60,
        20_000,
      );
    } finally {
      await workers.close();
    }
    expect(await api.platform.db('price_factors').where({ area_id: AREA }).count({ n: '*' })).toEqual([
      { n: 0 },
    ]);
  });

  it('changes nothing on unchanged books, refreshes after a booking, leaves a pin alone, and again on a new day', async () => {
    const run = forecastProcessor(api.platform);
    const before = await audits();
    expect(await run(check)).toEqual({ [AREA]: 'current' });
    expect(await audits()).toBe(before);

    // a manager pins one slot; then bookings fill the other
    const pinned = await api.call('PUT', `/v1/admin/areas/${AREA}/price-factors/${D}/0900`, {
      key: api.adminKey,
      body: { factorBps: 9000, reason: 'promotion' },
    });
    expect(pinned.status).toBe(200);
    clock.advance(1000);
    const held = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date: D,
        slotId: '1000',
        items: [
          {
            productId: 'adult',
            visitors: Array.from({ length: 9 }, (_, i) => ({
              name: '赵六',
              idNumber: residentId('19900307', 700 + i),
            })),
          },
        ],
      },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect((await forecastOf('1000'))!.visitors).toBe(0);
    clock.advance(1000);
    expect(await run(check)).toEqual({ [AREA]: 'bookings_changed' });
    // nine booked of ten: the forecast counts them and the slot's factor goes up
    expect((await forecastOf('1000'))!.visitors).toBe(9);
    const factors = await api.platform
      .db('price_factors')
      .where({ area_id: AREA, visit_date: D })
      .orderBy('slot_id');
    expect(factors.map((f) => [f.slot_id, f.factor_bps, f.source])).toEqual([
      ['0900', 9000, 'manager'],
      ['1000', 11800, 'forecast'],
    ]);
    const afterBooking = await audits();
    expect(await run(check)).toEqual({ [AREA]: 'current' });
    expect(await audits()).toBe(afterBooking);

    clock.advance(24 * 3_600_000);
    expect(await run(check)).toEqual({ [AREA]: 'new_day' });
    expect(await run({ name: 'area', data: { areaId: AREA } } as Job<ForecastJob>)).toEqual({ [AREA]: 0 });
    expect(
      (await api.platform
        .db('price_factors')
        .where({ area_id: AREA, visit_date: D, slot_id: '0900' })
        .first())!.source,
    ).toBe('manager');
  });
});
