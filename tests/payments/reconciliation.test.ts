import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { beijingDate } from '../../core/payments/china-time.js';
import { outRefundNoOf, outTradeNoOf, type ProviderName } from '../../core/payments/gateway.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
type Body = Record<string, unknown>;
let person = 0;

/**
 * A reconciliation day through each provider's fake: real sales and a refund, then one
 * injected discrepancy of every kind in the provider's statement file (money taken for no
 * payment in the books, a payment missing from the file, another amount, a refund that
 * differs, fees), each found and counted; a rerun of the day is idempotent; finance's
 * decision on money without a payment is kept with the report.
 */
describe.each<ProviderName>(['wechat', 'alipay'])('reconciliation day through %s (fake)', (provider) => {
  const api = useApi({ app: { rateLimits: false } });
  const area = `recon-${provider}`;
  const admin = () => ({ authorization: `Bearer ${api.adminKey}` });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: area,
        dailyCapacity: 100,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 50 }],
        quotas: [],
      }),
    );
  });

  const sale = async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: area,
        date: D,
        slotId: '0900',
        items: [
          { productId: 'adult', visitors: [{ name: 'P', idNumber: residentId('19800808', person++) }] },
        ],
      },
    });
    expect(o.status).toBe(201);
    const body = o.body as { id: string; accessToken: string };
    const p = await api.call('POST', `/v1/orders/${body.id}/payments`, {
      headers: { 'x-order-token': body.accessToken },
      body: { provider, device: 'desktop' },
    });
    expect(p.status).toBe(201);
    await api.pay(body.id);
    expect((await api.platform.db('orders').where({ id: body.id }).first())?.status).toBe('issued');
    return { ...body, paymentId: p.body.paymentId as string };
  };

  it('finds and counts one discrepancy of every kind, reruns idempotently, keeps the decision', async () => {
    const [a, b, c, d] = [await sale(), await sale(), await sale(), await sale()];
    const rf = await api.call('POST', `/v1/orders/${d.id}/refunds`, {
      headers: { 'x-order-token': d.accessToken, 'idempotency-key': randomUUID() },
      body: { reason: 'illness' },
    });
    expect(rf.status).toBe(201);
    const refundId = (rf.body.refund as Body).id as string;
    await expect
      .poll(async () => (await api.platform.db('refunds').where({ id: refundId }).first())?.status, {
        timeout: 15_000,
      })
      .toBe('succeeded');

    const hooks = provider === 'wechat' ? api.wechat.statement : api.alipay.statement;
    const stranger = outTradeNoOf(randomUUID());
    hooks.extraPayments.push({ outTradeNo: stranger, amount: 4_200 }); // money with no payment in the books
    hooks.drop.add(outTradeNoOf(a.paymentId)); // paid in the books, not in the file
    hooks.amounts.set(outTradeNoOf(b.paymentId), 1); // another amount
    hooks.refundAmounts.set(outRefundNoOf(refundId), 1); // the refund differs
    hooks.feeRate = 0.006;

    const day = beijingDate(new Date());
    const run = async () => {
      const r = await api.call('POST', `/v1/admin/reconciliation/${provider}/${day}/run`, {
        headers: admin(),
      });
      expect([r.status, r.body.code, r.body.detail ?? r.body.title]).toEqual([200, undefined, undefined]);
      return r.body as {
        totals: Record<string, { count: number; amount: number }>;
        discrepancies: number;
        undecided: number;
        items: { class: string; outTradeNo: string; paymentId: string | null }[];
      };
    };
    const first = await run();
    const of = (cls: string) => first.items.filter((i) => i.class === cls);
    expect(of('missing_in_books').map((i) => i.outTradeNo)).toEqual([stranger]);
    expect(of('missing_at_provider').map((i) => i.paymentId)).toEqual([a.paymentId]);
    expect(of('amount_mismatch').map((i) => i.paymentId)).toEqual([b.paymentId]);
    expect(of('refund_mismatch')).toHaveLength(1);
    expect(of('matched').map((i) => i.paymentId)).toEqual(expect.arrayContaining([c.paymentId, d.paymentId]));
    expect(first.totals.fee!.count).toBeGreaterThan(0);
    expect(first.totals.missing_in_books).toEqual({ count: 1, amount: 4_200 });
    expect(first.discrepancies).toBe(4);
    expect(first.undecided).toBe(1);

    // a rerun replaces the day: same report, same rows
    const rows = async () =>
      (await api.platform.db('reconciliation_items').where({ provider, day }).count({ n: '*' }))[0]!.n;
    const n = await rows();
    const second = await run();
    expect(second.totals).toEqual(first.totals);
    expect(await rows()).toBe(n);

    // finance decides on the money without a payment; the report says so
    const decided = await api.call('PUT', `/v1/admin/reconciliation-decisions/${provider}/${stranger}`, {
      headers: admin(),
      body: { decision: 'refund', note: 'not ours', reference: 'manual-1' },
    });
    expect(decided.status).toBe(200);
    const report = await api.call('GET', `/v1/admin/reconciliation/${provider}/${day}`, { headers: admin() });
    expect(report.status).toBe(200);
    expect(report.body.undecided).toBe(0);
    const csv = await fetch(`${api.url}/v1/admin/reconciliation/${provider}/${day}?format=csv`, {
      headers: admin(),
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    for (const cls of ['missing_in_books', 'missing_at_provider', 'amount_mismatch', 'refund_mismatch'])
      expect(text).toContain(cls);
  });

  it('refuses a malformed day or provider with 400 naming the field', async () => {
    const r = await api.call('GET', `/v1/admin/reconciliation/${provider}/2026-13-40`, { headers: admin() });
    expect(r.status).toBe(400);
    const p = await api.call('GET', `/v1/admin/reconciliation/paypal/2026-01-01`, { headers: admin() });
    expect(p.status).toBe(400);
  });
});
