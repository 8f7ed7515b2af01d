import { beforeAll, describe, expect, it } from 'vitest';
import { outRefundNoOf } from '../../core/payments/gateway.js';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { verifyTicket } from '../../core/tickets/token.js';
import { endHold } from '../../core/orders/lifecycle.js';

const day = (n: number) => addDays(localParts(new Date(), 'Asia/Shanghai').date, n);
const D = day(3);
const idem = () => ({ 'idempotency-key': randomUUID() });
type Body = Record<string, unknown>;

describe('visitor purchase flow over HTTP (real Postgres, Redis, WeChat Pay fake)', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'flow',
        slots: [
          { id: '0700', startsAt: '07:00', endsAt: '08:00', capacity: 50 },
          { id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 50 },
          { id: '1700', startsAt: '17:00', endsAt: '18:00', capacity: 50 },
        ],
      }),
    );
  });

  // a different person per order, so the per-ID daily limit stays out of the way
  let person = 100;
  const order = (over: Body = {}, headers: Record<string, string> = idem()) =>
    api.call('POST', '/v1/orders', {
      headers,
      body: {
        areaId: 'flow',
        date: D,
        slotId: '0900',
        items: [
          { productId: 'adult', visitors: [{ name: '张三', idNumber: residentId('19900307', person++) }] },
        ],
        contactPhone: '13812345678',
        ...over,
      },
    });

  async function pay(o: Body) {
    const token = o.accessToken as string;
    const p = await api.call('POST', `/v1/orders/${o.id as string}/payments`, {
      headers: { 'x-order-token': token },
    });
    expect(p.status).toBe(201);
    expect((await api.pay(o.id as string)).at(-1)?.status).toBe(204);
    return (await api.call('GET', `/v1/orders/${o.id as string}`, { headers: { 'x-order-token': token } }))
      .body;
  }

  it('buys in three calls: availability → order → pay, and gets signed QR codes', async () => {
    const av = await api.call('GET', `/v1/areas/flow/availability?date=${D}`);
    expect(av.status).toBe(200);
    expect((av.body.slots as Body[]).find((s) => s.slotId === '0900')).toMatchObject({
      remaining: 50,
      soldOut: false,
    });

    const o = await order({
      items: [
        {
          productId: 'adult',
          visitors: [
            { name: '张三', idNumber: residentId('19900307', 451) },
            { name: '李四', idNumber: residentId('19850101', 123) },
          ],
        },
      ],
    });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ status: 'held', amountTotal: 16000, contactPhone: '138****5678' });
    expect(o.body.expiresAt).toBeTruthy();
    const tickets = o.body.tickets as Body[];
    expect(tickets.map((t) => (t.visitor as Body).idNumber)).toEqual([
      `3301${'*'.repeat(10)}${residentId('19900307', 451).slice(-4)}`,
      `3301${'*'.repeat(10)}${residentId('19850101', 123).slice(-4)}`,
    ]);
    expect(tickets.map((t) => (t.visitor as Body).name)).toEqual(['张*', '李*']);
    expect(JSON.stringify(o.body)).not.toContain(residentId('19900307', 451));

    const issued = await pay(o.body);
    expect(issued.status).toBe('issued');
    const keys = (await api.platform.keys()).publicKeys;
    for (const t of issued.tickets as Body[]) {
      const v = verifyTicket(t.code as string, keys);
      expect(v).toMatchObject({
        ok: true,
        claims: {
          ticketId: t.id,
          areaId: 'flow',
          date: D,
          slotStartMin: 540,
          slotEndMin: 600,
          productId: 'adult',
        },
      });
    }
    const after = await api.call('GET', `/v1/areas/flow/availability?date=${D}`);
    expect((after.body.slots as Body[]).find((s) => s.slotId === '0900')).toMatchObject({ remaining: 48 });
  });

  it('keeps an order private to its token, its phone session and staff', async () => {
    const o = await order();
    expect((await api.call('GET', `/v1/orders/${o.body.id as string}`)).status).toBe(404);
    expect(
      (await api.call('GET', `/v1/orders/${o.body.id as string}`, { headers: { 'x-order-token': 'nope' } }))
        .status,
    ).toBe(404);
    expect(
      (
        await api.call('GET', `/v1/orders/${o.body.id as string}`, {
          key: await api.key('box-office', 'box-office'),
        })
      ).status,
    ).toBe(200);
    // phone sign-in: the SMS adapter logs the code (masked number) in tests
    expect((await api.call('POST', '/v1/auth/otp', { body: { phone: '13812345678' } })).status).toBe(202);
    const line = api.logLines.find((l) => l.includes('sign-in code'))!;
    expect(line).toContain('138****5678');
    const code = /code: (\d{6})/.exec(line)![1]!;
    expect(
      (
        await api.call('POST', '/v1/auth/session', {
          body: { phone: '13812345678', code: '000000' === code ? '111111' : '000000' },
        })
      ).status,
    ).toBe(401);
    const s = await api.call('POST', '/v1/auth/session', { body: { phone: '13812345678', code } });
    expect(s.status).toBe(201);
    const mine = await api.call('GET', '/v1/me/orders', {
      headers: { authorization: `Bearer ${s.body.token as string}` },
    });
    expect((mine.body.items as Body[]).map((x) => x.id)).toContain(o.body.id);
    expect(
      (
        await api.call('GET', `/v1/orders/${o.body.id as string}`, {
          headers: { authorization: `Bearer ${s.body.token as string}` },
        })
      ).status,
    ).toBe(200);
  });

  it.each([
    ['early-bird 80 % before 08:00', '0700', 6400],
    ['daytime full price', '0900', 8000],
    ['night 70 % from 17:00', '1700', 5600],
  ])('prices %s', async (_n, slotId, amount) => {
    const o = await order({ slotId });
    expect(o.status).toBe(201);
    expect(o.body.amountTotal).toBe(amount);
  });

  it('applies a coupon and refuses an unknown one', async () => {
    const ok = await order({ coupons: ['WELCOME10'] });
    expect(ok.body.amountTotal).toBe(7200);
    const bad = await order({ coupons: ['NOPE123'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'unknown_coupon', errors: [{ path: 'coupons' }] });
  });

  it('replays an idempotent request, refuses the key with another body, and runs concurrent duplicates once', async () => {
    const h = idem();
    const same = {
      items: [{ productId: 'adult', visitors: [{ name: '王五', idNumber: residentId('19700101', 77) }] }],
    };
    const [a, b, c] = await Promise.all([order(same, h), order(same, h), order(same, h)]);
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    expect([a, b, c].filter((x) => x.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    const other = await order({ ...same, slotId: '1700' }, h);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    const n = (
      await api.platform
        .db('orders')
        .where({ id: a.body.id as string })
        .count({ n: '*' })
    )[0] as { n: number };
    expect(Number(n.n)).toBe(1);
  });

  it.each([
    ['a malformed JSON body', 'raw', '{"areaId":', 'malformed_json', undefined],
    ['a missing field', 'json', { areaId: 'flow', slotId: '0900', items: [] }, 'invalid_input', 'date'],
    ['a bad date', 'json', { date: '2026-02-30' }, 'invalid_input', 'date'],
    [
      'a bad ID checksum',
      'json',
      { items: [{ productId: 'adult', visitors: [{ name: 'x', idNumber: '110105194912310021' }] }] },
      'id_checksum',
      'items.0.visitors.0.idNumber',
    ],
    [
      'an unknown product',
      'json',
      { items: [{ productId: 'ghost', visitors: [{ name: 'x', idNumber: residentId() }] }] },
      'invalid_order',
      'items.0.productId',
    ],
    ['an unknown slot', 'json', { slotId: '2300' }, 'invalid_order', 'slotId'],
    ['a past date', 'json', { date: day(-2) }, 'invalid_order', 'date'],
    ['a bad phone', 'json', { contactPhone: '12345' }, 'invalid_input', 'contactPhone'],
    [
      'too many visitors',
      'json',
      {
        items: [
          {
            productId: 'adult',
            visitors: Array.from({ length: 51 }, () => ({ name: 'x', idNumber: residentId() })),
          },
        ],
      },
      'invalid_input',
      'items.0.visitors',
    ],
  ])('answers %s with problem+json naming the field', async (_n, kind, body, code, field) => {
    const base = {
      areaId: 'flow',
      date: D,
      slotId: '0900',
      items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: residentId() }] }],
    };
    const res =
      kind === 'raw'
        ? await fetch(`${api.url}/v1/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...idem() },
            body: body as string,
          })
        : await fetch(`${api.url}/v1/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...idem() },
            body: JSON.stringify(
              field === 'date' && !('date' in (body as Body)) ? body : { ...base, ...(body as Body) },
            ),
          });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const p = (await res.json()) as Body;
    expect(p.code).toBe(code);
    if (field) expect((p.errors as Body[]).map((e) => e.path)).toContain(field);
  });

  it('requires an idempotency key on POST /v1/orders', async () => {
    const res = await order({}, {});
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('idempotency_key_required');
  });

  it('releases the stock of a hold when it expires, and refuses to pay it after', async () => {
    const snap0 = await api.platform.inventory.snapshot('flow', D);
    const o = await order();
    expect((await api.platform.inventory.snapshot('flow', D)).used).toBe(snap0.used + 1);
    await api.platform
      .db('orders')
      .where({ id: o.body.id as string })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect(await endHold(api.platform.orders, o.body.id as string, 'expired')).toBe(true);
    expect((await api.platform.inventory.snapshot('flow', D)).used).toBe(snap0.used);
    const p = await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
    expect(p.status).toBe(409);
    expect(p.body.code).toBe('order_not_payable');
  });

  it('refunds one visitor of an order, revoking that ticket and returning its stock and money', async () => {
    const o = await order({
      items: [
        {
          productId: 'adult',
          visitors: [
            { name: 'A', idNumber: residentId('19900101', 1) },
            { name: 'B', idNumber: residentId('19900101', 2) },
          ],
        },
      ],
    });
    const issued = await pay(o.body);
    const before = (await api.platform.inventory.snapshot('flow', D)).used;
    const [t1] = issued.tickets as Body[];
    const rf = await api.call('POST', `/v1/orders/${o.body.id as string}/refunds`, {
      headers: { 'x-order-token': o.body.accessToken as string, ...idem() },
      body: { ticketIds: [t1!.id], reason: 'illness' },
    });
    expect(rf.status).toBe(201);
    // accepted by WeChat Pay (PROCESSING), then final once its refund notice is in
    expect(rf.body.refund).toMatchObject({ amount: 8000, status: 'processing' });
    const refundId = (rf.body.refund as Body).id as string;
    await expect
      .poll(async () => (await api.platform.db('refunds').where({ id: refundId }).first())?.status)
      .toBe('succeeded');
    expect((rf.body.order as Body).status).toBe('partially_refunded');
    expect(((rf.body.order as Body).tickets as Body[]).map((t) => t.status)).toEqual(['refunded', 'valid']);
    expect((await api.platform.inventory.snapshot('flow', D)).used).toBe(before - 1);
    expect(
      api.wechat.refunds.get(outRefundNoOf((rf.body.refund as Body).id as string))?.amount,
    ).toMatchObject({
      refund: 8000,
    });
    const again = await api.call('POST', `/v1/orders/${o.body.id as string}/refunds`, {
      headers: { 'x-order-token': o.body.accessToken as string, ...idem() },
      body: { ticketIds: [t1!.id], reason: 'illness' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ticket_not_refundable');
    const badReason = await api.call('POST', `/v1/orders/${o.body.id as string}/refunds`, {
      headers: { 'x-order-token': o.body.accessToken as string, ...idem() },
      body: { reason: 'bored' },
    });
    expect(badReason.status).toBe(400);
    expect((badReason.body.errors as Body[])[0]!.path).toBe('reason');
  });

  it('reschedules to another day, moving stock and re-issuing codes', async () => {
    const o = await order();
    const issued = await pay(o.body);
    const oldCode = (issued.tickets as Body[])[0]!.code as string;
    const D2 = day(5);
    const before = [
      (await api.platform.inventory.snapshot('flow', D)).used,
      (await api.platform.inventory.snapshot('flow', D2)).used,
    ];
    const rs = await api.call('POST', `/v1/orders/${o.body.id as string}/reschedule`, {
      headers: { 'x-order-token': o.body.accessToken as string, ...idem() },
      body: { date: D2, slotId: '1700' },
    });
    expect(rs.status).toBe(200);
    expect(rs.body).toMatchObject({ date: D2, slotId: '1700', status: 'issued' });
    const live = (rs.body.tickets as Body[]).filter((t) => t.status === 'valid');
    expect(live).toHaveLength(1);
    expect(live[0]!.code).not.toBe(oldCode);
    expect(verifyTicket(live[0]!.code as string, (await api.platform.keys()).publicKeys)).toMatchObject({
      ok: true,
      claims: { date: D2, slotStartMin: 17 * 60 },
    });
    expect([
      (await api.platform.inventory.snapshot('flow', D)).used,
      (await api.platform.inventory.snapshot('flow', D2)).used,
    ]).toEqual([before[0]! - 1, before[1]! + 1]);
    const senior = await order({
      items: [{ productId: 'senior', visitors: [{ name: 'S', idNumber: residentId('19500101', 9) }] }],
    });
    await pay(senior.body);
    const no = await api.call('POST', `/v1/orders/${senior.body.id as string}/reschedule`, {
      headers: { 'x-order-token': senior.body.accessToken as string, ...idem() },
      body: { date: D2, slotId: '1700' },
    });
    expect(no.status).toBe(403);
    expect(no.body.code).toBe('reschedule_not_allowed');
  });

  it('refuses a tampered payment callback without changing the order', async () => {
    const o = await order();
    const p = await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
    expect(p.status).toBe(201);
    const answers = await api.pay(o.body.id as string, { tamper: 'signature' });
    expect(answers.map((a) => a.status)).toEqual([500, 500, 500]); // refused: WeChat keeps retrying
    const rows: { status: string }[] = await api.platform
      .db('orders')
      .where({ id: o.body.id as string })
      .select('status');
    const row = rows[0]!;
    expect(row.status).toBe('held');
  });

  it('writes no ID number or phone number to the logs', () => {
    const all = api.logLines.join('\n');
    expect(all).not.toMatch(/\d{17}[\dX]/);
    expect(all).not.toContain('13812345678');
  });
});
