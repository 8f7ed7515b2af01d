import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { loadReport, type DailyReport } from '../../core/reports/daily.js';
import { reportsProcessor } from '../../workers/reports.js';
import { ageBand, profile } from '../../core/reports/insight.js';
import { buy } from './support.js';

const TZ = 'Asia/Shanghai';
const TODAY = localParts(new Date(), TZ).date;
const VISIT = addDays(TODAY, 5);
const PHONE = '13812345678';

describe('daily report', () => {
  const api = useApi({ app: { rateLimits: false } });
  const orders: Awaited<ReturnType<typeof buy>>[] = [];
  let refundAmount = 0;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'rp' }));
    orders.push(await buy(api, { areaId: 'rp', date: VISIT, visitors: 2, pay: true, phone: PHONE }));
    orders.push(
      await buy(api, {
        areaId: 'rp',
        date: VISIT,
        visitors: 1,
        productId: 'child',
        channelId: 'mini',
        pay: true,
        phone: PHONE,
      }),
    );
    orders.push(await buy(api, { areaId: 'rp', date: VISIT, visitors: 3, productId: 'senior', pay: true }));
    // held, never paid: not a sale
    await buy(api, { areaId: 'rp', date: VISIT, visitors: 1 });
    const first = orders[0]!;
    const r = await api.call('POST', `/v1/orders/${first.id}/refunds`, {
      headers: { 'x-order-token': first.accessToken, 'idempotency-key': crypto.randomUUID() },
      body: { ticketIds: [first.tickets[0]!.id], reason: 'weather' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    refundAmount = (r.body.refund as { amount: number }).amount;
    const moved = await api.call('POST', `/v1/orders/${orders[1]!.id}/reschedule`, {
      headers: { 'x-order-token': orders[1]!.accessToken, 'idempotency-key': crypto.randomUUID() },
      body: { date: addDays(VISIT, 1), slotId: '1000' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  });

  const get = async (date: string, ext: 'json' | 'csv') => {
    const res = await fetch(`${api.url}/v1/admin/reports/rp/${date}.${ext}`, {
      headers: { authorization: `Bearer ${api.adminKey}` },
    });
    expect(res.status).toBe(200);
    return res;
  };

  it('matches the payment ledger to the cent', async () => {
    const report = (await (await get(TODAY, 'json')).json()) as DailyReport;
    const ids = orders.map((o) => o.id);
    const ledger = await api.platform
      .db('payments')
      .whereIn('order_id', ids)
      .where({ status: 'succeeded' })
      .sum<{ s: string }>({ s: 'amount' })
      .first();
    const refunds = await api.platform
      .db('refunds')
      .whereIn('order_id', ids)
      .sum<{ s: string }>({ s: 'amount' })
      .first();
    const expectedGross = orders.reduce((s, o) => s + o.amountTotal, 0);
    expect(report.totals.gross).toBe(expectedGross);
    expect(report.totals.payments).toBe(Number(ledger!.s));
    expect(report.totals.gross).toBe(Number(ledger!.s));
    expect(report.totals.refundsBooked).toBe(Number(refunds!.s));
    expect(report.totals.refundsBooked).toBe(refundAmount);
    expect(report.totals.net).toBe(expectedGross - refundAmount);
    expect(report.totals).toMatchObject({ orders: 3, tickets: 6 });
    // by product and channel, adding up to the ledger
    expect(report.sales.reduce((s, r) => s + r.amount, 0)).toBe(report.totals.gross);
    expect(report.sales.map((s) => `${s.channel}/${s.product}/${s.tickets}`).sort()).toEqual([
      'mini/child/1',
      'web/adult/2',
      'web/senior/3',
    ]);
    expect(report.channels.reduce((s, c) => s + c.sharePercent, 0)).toBeCloseTo(100, 1);
    expect(report.refunds).toEqual([{ reason: 'weather', refunds: 1, tickets: 1, amount: refundAmount }]);
    expect(report.reschedules).toBe(1);
  });

  it('has visitor insight without personal data, as JSON and CSV', async () => {
    const json = await (await get(VISIT, 'json')).text();
    const csvRes = await get(VISIT, 'csv');
    expect(csvRes.headers.get('content-type')).toContain('text/csv');
    expect(csvRes.headers.get('content-disposition')).toBe(`attachment; filename="scenic-rp-${VISIT}.csv"`);
    const csv = await csvRes.text();
    const report = JSON.parse(json) as DailyReport;
    // 2 adults (one refunded) + 3 seniors; the child moved to the next day
    expect(report.visitors).toMatchObject({
      visitors: 4,
      repeatVisitors: 0,
      regions: { Zhejiang: 4 },
      partySizes: { '1': 1, '3-5': 1 },
    });
    // the adult is 45-59; senior tickets go only to travellers 60 or over (17.11)
    expect(report.visitors.ageBands).toMatchObject({ '45-59': 1, '60+': 3 });
    expect(csv.split('\r\n')[0]).toBe('section,key,subkey,metric,value');
    expect(csv).toContain('origin_region,Zhejiang,,visitors,4');
    for (const text of [
      json,
      csv,
      await (await get(TODAY, 'csv')).text(),
      await (await get(TODAY, 'json')).text(),
    ]) {
      for (const o of orders) {
        for (const v of o.visitors) {
          expect(text).not.toContain(v.idNumber);
          expect(text).not.toContain(v.name);
        }
        expect(text).not.toContain(o.id);
      }
      expect(text).not.toContain(PHONE);
      expect(text).not.toMatch(/\d{17}[\dX]/); // no ID number of any visitor
      expect(text).not.toMatch(/1[3-9]\d{9}/); // no mobile number
    }
  });

  it('is produced and stored by the worker job', async () => {
    await reportsProcessor(api.platform)({
      name: 'generate',
      data: { areaId: 'rp', date: TODAY },
    } as Parameters<ReturnType<typeof reportsProcessor>>[0]);
    const stored = await loadReport(api.platform.db, 'rp', TODAY);
    expect(stored?.totals.gross).toBe(orders.reduce((s, o) => s + o.amountTotal, 0));
  });

  it('needs an admin', async () => {
    expect((await fetch(`${api.url}/v1/admin/reports/rp/${TODAY}.json`)).status).toBe(401);
    expect(
      (
        await fetch(`${api.url}/v1/admin/reports/rp/${TODAY}.xml`, {
          headers: { authorization: `Bearer ${api.adminKey}` },
        })
      ).status,
    ).toBe(400);
  });
});

describe('visitor profile', () => {
  it.each([
    ['cn_resident', '330106198001011234', '2026-01-01', '45-59', 'Zhejiang'],
    ['cn_resident', '110105202001011234', '2026-01-01', '0-6', 'Beijing'],
    ['cn_resident', '440305196001021234', '2020-01-01', '45-59', 'Guangdong'],
    ['passport', 'E12345678', '2026-01-01', 'unknown', 'international'],
    ['hk_macau_permit', 'H1234567', '2026-01-01', 'unknown', 'Hong Kong/Macau'],
  ])('%s %s on %s → %s, %s', (idType, n, on, band, region) => {
    expect(profile(idType, n, on)).toEqual({ band, region });
  });
  it('counts a birthday on the day', () => {
    expect(ageBand('19660101', '2026-01-01')).toBe('60+');
    expect(ageBand('19660102', '2026-01-01')).toBe('45-59');
  });
});
