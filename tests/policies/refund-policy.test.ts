import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localParts } from '../../core/time.js';
import { day, partner, type Body } from '../channels/support.js';
import type { DailyReport } from '../../core/reports/daily.js';

/**
 * Issue 18: a product's refund and reschedule policy is shown before purchase and enforced
 * the same through the visitor API, the partner API and OCTO; the fee is kept (the refund
 * pays back the price less the fee) and the daily report counts it.
 */
const FAR = day(3); // ≥ 57 h ahead: inside every window below
const NEAR = day(1); // its 09:00 slot is < 48 h ahead whatever the hour
const TODAY = () => localParts(new Date(), 'Asia/Shanghai').date;
let n = 0;
const v = () => ({ name: '周八', idNumber: residentId('19800101', n++) });
const idem = () => ({ 'idempotency-key': randomUUID() });

describe('refund and reschedule policies', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'pol',
        quotas: [],
        products: [
          {
            id: 'adult',
            name: 'Adult',
            kind: 'adult',
            basePrice: 8000,
            policy: {
              refund: { cutoff: { kind: 'hours_before', hours: 48 }, fee: { kind: 'percent', bps: 1000 } },
              reschedule: { freeCount: 1, fee: { kind: 'fixed', amount: 500 }, maxCount: 2 },
            },
          },
          {
            id: 'whole',
            name: 'Whole orders only',
            kind: 'adult',
            basePrice: 6000,
            policy: { refund: { partial: false }, reschedule: { allowed: false } },
          },
          {
            id: 'final',
            name: 'Non-refundable',
            kind: 'adult',
            basePrice: 5000,
            policy: { refund: { allowed: false }, reschedule: { allowed: false } },
          },
        ] as never,
      }),
    );
  });

  async function buy(productId: string, count: number, date = FAR) {
    const o = await api.call('POST', '/v1/orders', {
      headers: idem(),
      body: {
        areaId: 'pol',
        date,
        slotId: '0900',
        items: [{ productId, visitors: Array.from({ length: count }, v) }],
      },
    });
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    const started = await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
    expect(started.status).toBe(201);
    expect((await api.pay(o.body.id as string)).at(-1)?.status).toBe(204);
    const got = await api.call('GET', `/v1/orders/${o.body.id as string}`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
    return {
      id: o.body.id as string,
      token: o.body.accessToken as string,
      tickets: got.body.tickets as Body[],
    };
  }
  const refund = (o: { id: string; token: string }, body: Body) =>
    api.call('POST', `/v1/orders/${o.id}/refunds`, {
      headers: { 'x-order-token': o.token, ...idem() },
      body,
    });
  const reschedule = (o: { id: string; token: string }, date: string) =>
    api.call('POST', `/v1/orders/${o.id}/reschedule`, {
      headers: { 'x-order-token': o.token, ...idem() },
      body: { date, slotId: '1000' },
    });

  it('shows each product’s policy before purchase', async () => {
    const a = await api.call('GET', '/v1/areas/pol');
    const adult = (a.body.products as Body[]).find((p) => p.id === 'adult')!;
    expect(adult.policy).toMatchObject({
      refund: { allowed: true, cutoffHours: 48, fee: { kind: 'percent', bps: 1000 }, partial: true },
      reschedule: { allowed: true, freeCount: 1, maxCount: 2, fee: { kind: 'fixed', amount: 500 } },
    });
    expect((adult.policy as { summary: { en: string } }).summary.en).toContain('48 h before');
    const final = (a.body.products as Body[]).find((p) => p.id === 'final')!;
    expect((final.policy as { summary: { zh: string } }).summary.zh).toContain('不可退');
  });

  it('refunds the price less the fee, keeps the fee in the books and the report', async () => {
    const o = await buy('adult', 2);
    const r = await refund(o, { ticketIds: [o.tickets[0]!.id], reason: 'change_of_plans' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.refund).toMatchObject({ amount: 7200, fee: 800 });
    const row = await api.platform
      .db('refunds')
      .where({ id: (r.body.refund as Body).id as string })
      .first();
    expect(row?.amount).toBe(7200);
    const fees = await api.platform.db('policy_fees').where({ order_id: o.id });
    expect(fees.map((f) => [f.kind, f.amount])).toEqual([['refund', 800]]);

    // reschedule: the first is free, the second costs 500 per ticket, a third is refused
    expect((await reschedule(o, day(4))).status).toBe(200);
    expect((await reschedule(o, day(5))).status).toBe(200);
    const third = await reschedule(o, day(6));
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('reschedule_limit_reached');
    const after = await api.platform.db('policy_fees').where({ order_id: o.id }).orderBy('created_at');
    expect(after.map((f) => [f.kind, f.amount])).toEqual([
      ['refund', 800],
      ['reschedule', 500],
    ]);
    // the last ticket: its price less the reschedule fee kept and the refund fee
    const r2 = await refund(o, { reason: 'change_of_plans' });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    expect(r2.body.refund).toMatchObject({ amount: 8000 - 500 - 800, fee: 800 });
    expect((r2.body.order as Body).amountRefunded).toBe(7200 + 6700);

    const rep = await fetch(`${api.url}/v1/admin/reports/pol/${TODAY()}.json`, {
      headers: { authorization: `Bearer ${api.adminKey}` },
    });
    expect(rep.status).toBe(200);
    const report = (await rep.json()) as DailyReport;
    expect(report.totals.feesKept).toBe(800 + 500 + 800);
    expect(report.totals.refundsBooked).toBe(7200 + 6700);
  });

  it('refuses a refund after the deadline, a partial one where the product forbids it, and a final sale', async () => {
    const late = await buy('adult', 1, NEAR);
    const r = await refund(late, { reason: 'illness' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('refund_window_closed');

    const whole = await buy('whole', 2);
    const part = await refund(whole, { ticketIds: [whole.tickets[0]!.id], reason: 'illness' });
    expect(part.status).toBe(409);
    expect(part.body.code).toBe('partial_refund_not_allowed');
    const all = await refund(whole, { reason: 'illness' });
    expect(all.status).toBe(201);
    expect(all.body.refund).toMatchObject({ amount: 12000, fee: 0 });

    const final = await buy('final', 1);
    const no = await refund(final, { reason: 'illness' });
    expect(no.status).toBe(403);
    expect(no.body.code).toBe('refund_not_allowed');
    const move = await reschedule(final, day(4));
    expect(move.status).toBe(403);
    expect(move.body.code).toBe('reschedule_not_allowed');
    expect(await api.platform.db('refunds').where({ order_id: final.id })).toEqual([]);
  });

  it('enforces the same policy through the partner API and OCTO, which show it too', async () => {
    const tc = await partner(api, { id: 'pol-ota' });
    const sell = async (id: string, productId: string, date = FAR) => {
      await tc.client.createOrder({
        partnerOrderId: id,
        areaId: 'pol',
        date,
        slotId: '0900',
        items: [{ productId, visitors: [v()] }],
      });
      return tc.client.confirm(id);
    };
    await sell('P-FINAL', 'final');
    await expect(
      tc.client.refund('P-FINAL', { reason: 'illness' }, `rf-${randomUUID()}`),
    ).rejects.toMatchObject({
      problem: { code: 'refund_not_allowed' },
    });
    await sell('P-ADULT', 'adult');
    const ok = await tc.client.refund('P-ADULT', { reason: 'illness' }, `rf-${randomUUID()}`);
    expect(ok.refund).toMatchObject({ amount: 7200, fee: 800 });

    const offer = (await tc.client.products('pol', FAR)) as { products: Body[] };
    expect(offer.products.find((p) => p.productId === 'final')?.policy).toMatchObject({
      refund: { allowed: false },
    });
  });
});

describe('OCTO: cancellation cutoff and policy from the products, the fee on a cancel', () => {
  const api = useApi({ app: { rateLimits: false } });
  let ota: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'pol-octo',
        quotas: [],
        products: [
          {
            id: 'adult',
            name: 'Adult',
            kind: 'adult',
            basePrice: 8000,
            policy: {
              refund: { cutoff: { kind: 'hours_before', hours: 24 }, fee: { kind: 'fixed', amount: 1000 } },
              reschedule: {},
            },
          },
        ] as never,
      }),
    );
    ota = await partner(api, { id: 'pol-klook' });
  });

  it('answers the cutoff and the terms, and a cancel keeps the fee (refund PARTIAL)', async () => {
    const products = await ota.client.request<Body[]>('GET', '/octo/products');
    const option = (products.find((x) => x.id === 'pol-octo')!.options as Body[])[0] ?? {};
    expect(option).toMatchObject({
      cancellationCutoff: '24 hours',
      cancellationCutoffAmount: 24,
      cancellationCutoffUnit: 'hour',
    });
    expect(option.cancellationPolicy).toContain('¥10 fee');
    const uuid = randomUUID();
    const r = await ota.client.raw('POST', '/octo/bookings', {
      uuid,
      productId: 'pol-octo',
      optionId: 'DEFAULT',
      availabilityId: `${FAR}T09:00:00+08:00`,
      unitItems: [
        {
          unitId: 'adult',
          contact: { fullName: '孙九' },
          identityDocument: { number: residentId('19881111', n++) },
        },
      ],
      expirationMinutes: 15,
    });
    expect(r.status).toBe(200);
    await ota.client.request('POST', `/octo/bookings/${uuid}/confirm`, { contact: { fullName: '孙九' } });
    const cancelled = await ota.client.request('POST', `/octo/bookings/${uuid}/cancel`, {});
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancellation: { refund: 'PARTIAL' } });
    const o = await api.platform.db('orders').where({ partner_order_id: uuid }).first();
    expect(o?.amount_refunded).toBe(7000);
  });
});
