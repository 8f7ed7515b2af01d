import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { residentId, useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { isoWeekday } from '../../core/time.js';
import { day, partner, type Body } from '../channels/support.js';

/**
 * Days an area does not open (a museum's Monday, a maintenance day): nothing sells in any
 * channel, every calendar says "closed" rather than "sold out", and the limits are the
 * catalog's (or the ScenicArea's, which declares them like its capacity).
 */
const WEEKLY = day(3); // closed by its weekday
const ON_DATE = day(5); // closed by its date
const OPEN = day(4);
let seq = 500;

describe('closed days sell nothing, in any channel', () => {
  const api = useApi({ app: { rateLimits: false } });
  let ota: Awaited<ReturnType<typeof partner>>;
  let boxOffice: string;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'shut',
        slots: [{ id: 'allday', startsAt: '00:00', endsAt: '23:59', capacity: 200 }],
        priceRules: [],
        quotas: [],
        coupons: [],
        closures: { weekdays: [isoWeekday(WEEKLY)], dates: [ON_DATE] },
      }),
    );
    ota = await partner(api, { id: 'shut-ota' });
    boxOffice = await api.key('box-office', 'box-office');
  });

  const order = (date: string, key?: string) =>
    api.call('POST', '/v1/orders', {
      ...(key ? { key } : {}),
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'shut',
        date,
        slotId: 'allday',
        items: [
          { productId: 'adult', visitors: [{ name: '赵六', idNumber: residentId('19900101', seq++) }] },
        ],
      },
    });

  it('shows a closed day as closed, with nothing left, and an open day as selling', async () => {
    for (const d of [WEEKLY, ON_DATE]) {
      const a = await api.call('GET', `/v1/areas/shut/availability?date=${d}`);
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ closed: true, remaining: 0 });
      expect((a.body.slots as { remaining: number }[]).every((s) => s.remaining === 0)).toBe(true);
    }
    const open = await api.call('GET', `/v1/areas/shut/availability?date=${OPEN}`);
    expect(open.body.closed).toBe(false);
    expect((open.body.slots as { remaining: number }[])[0]?.remaining).toBe(200);
  });

  it('refuses an order for a closed day, naming the date, through the visitor API and the box office', async () => {
    for (const [d, key] of [
      [WEEKLY, undefined],
      [ON_DATE, boxOffice],
    ] as const) {
      const r = await order(d, key);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.errors as { path: string; message: string }[]).toContainEqual({
        path: 'date',
        message: 'the area is closed on this day',
      });
    }
    expect((await order(OPEN)).status).toBe(201);
    const n = await api.platform
      .db('orders')
      .where({ area_id: 'shut' })
      .whereIn('visit_date', [WEEKLY, ON_DATE])
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(n[0]?.n)).toBe(0);
  });

  it('refuses it through the partner API, and OCTO calls the day CLOSED', async () => {
    const p = await ota.client.raw('POST', '/partner/v1/orders', {
      partnerOrderId: `SHUT-${randomUUID()}`,
      areaId: 'shut',
      date: ON_DATE,
      slotId: 'allday',
      items: [{ productId: 'adult', visitors: [{ name: '钱七', idNumber: residentId('19850505', seq++) }] }],
    });
    expect(p.status).toBe(400);
    expect(JSON.stringify((await p.json()) as Body)).toContain('closed');
    const cal = await ota.client.raw('POST', '/octo/availability/calendar', {
      productId: 'shut',
      optionId: 'DEFAULT',
      localDateStart: WEEKLY,
      localDateEnd: OPEN,
    });
    expect(cal.status).toBe(200);
    const days = (await cal.json()) as { localDate: string; status: string }[];
    expect(days.find((x) => x.localDate === WEEKLY)?.status).toBe('CLOSED');
    expect(days.find((x) => x.localDate === OPEN)?.status).not.toBe('CLOSED');
  });

  it('refuses a week with every day closed, and a weekday given twice', async () => {
    const put = (closures: unknown) =>
      api.call('PUT', '/v1/admin/areas/shut', {
        key: api.adminKey,
        body: { ...demoArea({ id: 'shut' }), closures },
      });
    const all = await put({ weekdays: [1, 2, 3, 4, 5, 6, 7], dates: [] });
    expect(all.status).toBe(400);
    expect(JSON.stringify(all.body)).toContain('closures.weekdays');
    expect((await put({ weekdays: [1, 1], dates: [] })).status).toBe(400);
  });
});
