import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents, Worker } from 'bullmq';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { addDays, localParts } from '../../core/time.js';
import { bullPrefix, QUEUES } from '../../workers/queues.js';
import { membersProcessor, membersQueue, type MembersJob } from '../../workers/members.js';
import { partner } from '../channels/support.js';
import type { MemberEvent } from '../../core/members/events.js';

type Body = Record<string, unknown>;
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'mem-lake';
const DAY_MS = 86_400_000;

/**
 * Issue 22, members through the HTTP API with Postgres, Redis and the BullMQ worker: a
 * visitor signs in (an account opens), visits twice and becomes a member by the area's
 * rule; sees and pays member prices on the visitor API and through a partner that sells
 * to members (not through one that does not); earns points on paid orders and entries,
 * spends them (the order's total and the payment agree) and gets them back on refund; a
 * replayed event changes nothing; the third entry issues a half-price coupon; the member
 * exports their data and has it deleted — the person erased, the books kept masked.
 */
describe('22 members, points, member prices, rules worker, PIPL', () => {
  const api = useApi({ app: { rateLimits: false } });
  const PHONE = '13912345678';
  let session = '';
  let gateCred = '';
  let person = 300;
  let seq = 0;
  let worker: Worker<MembersJob>;
  let events: QueueEvents;
  const queue = () => membersQueue(api.platform);

  /** one job on the members queue, through Redis and the worker, and its result */
  const run = async (data: MembersJob): Promise<Body> => {
    const q = queue();
    try {
      const job = await q.add(data.kind, data, { jobId: randomUUID() });
      return (await job.waitUntilFinished(events, 20_000)) as Body;
    } finally {
      await q.close();
    }
  };
  const sweep = () => run({ kind: 'sweep' });
  const me = async () => (await api.call('GET', '/v1/me/member', { key: session })).body;

  const buy = async (extra: Body = {}, date = TODAY) =>
    api.call('POST', '/v1/orders', {
      key: session,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date,
        slotId: 'day',
        contactPhone: PHONE,
        items: [
          { productId: 'adult', visitors: [{ name: '王小明', idNumber: residentId('19900101', person++) }] },
        ],
        ...extra,
      },
    });
  const pay = async (o: Body): Promise<Body[]> => {
    const id = o.id as string;
    const token = o.accessToken as string;
    const started = await api.call('POST', `/v1/orders/${id}/payments`, {
      headers: { 'x-order-token': token },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await api.pay(id);
    for (let i = 0; i < 100; i++) {
      const v = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
      if (v.body.status === 'issued') return v.body.tickets as Body[];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${id} was not issued`);
  };
  const gate = async (path: 'precheck' | 'journal', body: Body) => {
    const res = await fetch(`${api.url}/gate/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateCred}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  };
  /** the gate asks the centre, admits the ticket and journals the entry */
  const enter = async (ticketId: string) => {
    const scan = { scanId: randomUUID(), ticketId, at: new Date().toISOString(), media: 'qr' };
    expect((await gate('precheck', scan)).admit).toBe(true);
    await gate('journal', {
      entries: [{ ...scan, seq: ++seq, direction: 'in', decision: 'admit', reason: 'ok', mode: 'online' }],
    });
  };
  /** an offline gate's entry at `at`, journaled when it came back online */
  const enteredOffline = async (ticketId: string, at: Date) =>
    gate('journal', {
      entries: [
        {
          scanId: randomUUID(),
          ticketId,
          at: at.toISOString(),
          media: 'qr',
          seq: ++seq,
          direction: 'in',
          decision: 'admit',
          reason: 'ok',
          mode: 'offline',
        },
      ],
    });
  const availablePrice = async (key?: string) => {
    const av = await api.call('GET', `/v1/areas/${AREA}/availability?date=${TODAY}`, key ? { key } : {});
    const slot = (av.body.slots as Body[]).find((s) => s.slotId === 'day')!;
    return (slot.prices as Body[]).find((p) => p.productId === 'adult')!.unitPrice;
  };

  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: AREA,
        slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 100 }],
        quotas: [],
        coupons: [],
        priceRules: [{ kind: 'member', params: { bps: 8000 } }],
      }),
    );
    gateCred = (
      await registerGateDevice(
        api.platform.db,
        { id: 'mem-g1', areaId: AREA, entranceId: 'north-gate', kind: 'turnstile' },
        api.platform.clock,
      )
    ).credential;
    const put = await api.call('PUT', `/v1/admin/areas/${AREA}/member-settings`, {
      key: api.adminKey,
      body: {
        pointsPerYuan: 1,
        pointsPerEntry: 10,
        pointValueFen: 10,
        maxPointsShareBps: 5000,
        levels: [{ id: 'silver', name: 'Silver', minVisits: 2 }],
        rules: [
          { id: 'second-visit', trigger: 'visits', count: 2, withinDays: 365, action: { kind: 'member' } },
          { id: 'third-entry', trigger: 'entries', count: 3, action: { kind: 'coupon', percentBps: 5000 } },
        ],
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    worker = new Worker<MembersJob>(QUEUES.members, membersProcessor(api.platform), {
      connection: api.platform.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(api.platform),
    });
    events = new QueueEvents(QUEUES.members, {
      connection: api.platform.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(api.platform),
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await worker?.close();
    await events?.close();
  });

  const orders: Record<string, Body> = {};
  const tickets: Record<string, Body[]> = {};

  it('the phone sign-in opens an account that is not yet a member; non-members pay the base price', async () => {
    session = await api.signIn(PHONE);
    const a = await me();
    expect(a).toMatchObject({ member: false, points: 0, level: null, profile: { phone: PHONE } });
    expect(a.memberNo).toMatch(/^M\d{12}$/);
    expect(await availablePrice(session)).toBe(8000);
    const o = await buy();
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(o.body.amountTotal).toBe(8000);
    orders.first = o.body;
    tickets.first = await pay(o.body);
  });

  it('a second visit within 12 months makes the visitor a member (the rule, applied by the worker)', async () => {
    // the first visit three months ago (journaled then); one visit is not enough
    await enteredOffline(tickets.first![0]!.id as string, new Date(Date.now() - 90 * DAY_MS));
    expect((await sweep()).applied).toBeGreaterThan(0);
    expect(await me()).toMatchObject({ member: false, points: 0 });

    const o = await buy();
    expect(o.body.amountTotal).toBe(8000);
    orders.second = o.body;
    tickets.second = await pay(o.body);
    await enter(tickets.second[0]!.id as string);
    await sweep();
    const a = await me();
    // a member from this entry on: the entry earns its points, the order paid before it did not
    expect(a).toMatchObject({ member: true, level: 'silver', points: 10 });
    expect(a.memberSince).toEqual(expect.any(String));
  });

  it('a member sees and pays the member price on the visitor API; anonymous visitors do not', async () => {
    expect(await availablePrice()).toBe(8000);
    expect(await availablePrice(session)).toBe(6400);
    const o = await buy();
    expect(o.body.amountTotal).toBe(6400);
    orders.third = o.body;
    tickets.third = await pay(o.body);
    await sweep();
    expect((await me()).points).toBe(10 + 64); // 1 point per yuan paid
  });

  it('spends points as a discount: the total, the payment and the ledger agree; refused past the share or balance', async () => {
    const over = await buy({ points: 400 }); // 4000 fen > half of 6400
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('points_over_share');
    const short = await buy({ points: 75 });
    expect(short.status).toBe(409);
    expect(short.body.code).toBe('points_insufficient');

    const o = await buy({ points: 50 });
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(o.body.amountTotal).toBe(6400 - 500);
    expect((await me()).points).toBe(24);
    orders.spent = o.body;
    tickets.spent = await pay(o.body);
    const payment = await api.payment(o.body.id as string);
    expect(payment.amount).toBe(5900);
    expect(payment.status).toBe('succeeded');
    const t = tickets.spent[0]!;
    expect(t.price).toBe(5900);
    await sweep();
    expect((await me()).points).toBe(24 + 59);
  });

  it('a refund gives the spent points back and takes back those the order earned', async () => {
    const r = await api.call('POST', `/v1/orders/${orders.spent!.id as string}/refunds`, {
      headers: { 'x-order-token': orders.spent!.accessToken as string, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const refund = await api.platform
      .db('refunds')
      .where({ order_id: orders.spent!.id as string })
      .first();
    expect(refund!.amount).toBe(5900); // what was paid, not the list price
    await sweep();
    expect((await me()).points).toBe(24 + 59 + 50 - 59);
  });

  it('a hold cancelled with points on it gives them back, once', async () => {
    const held = await buy({ points: 20 });
    expect(held.body.amountTotal).toBe(6400 - 200);
    expect((await me()).points).toBe(74 - 20);
    const cancelled = await api.call('POST', `/v1/orders/${held.body.id as string}/cancel`, {
      headers: { 'x-order-token': held.body.accessToken as string },
    });
    expect(cancelled.body.status).toBe('cancelled');
    await sweep();
    await sweep();
    expect((await me()).points).toBe(74);
  });

  it('the rules worker is idempotent: a replayed event and a second sweep change nothing', async () => {
    const before = {
      account: await me(),
      points: await api.platform.db('member_points').count<{ n: string }[]>({ n: '*' }),
      events: await api.platform.db('member_events').count<{ n: string }[]>({ n: '*' }),
    };
    const row = await api.platform.db('member_events').where({ kind: 'entry' }).orderBy('at', 'desc').first();
    const entry: MemberEvent = {
      key: row!.event_key,
      kind: 'entry',
      accountId: row!.account_id,
      areaId: row!.area_id,
      orderId: orders.second!.id as string,
      at: row!.at.toISOString(),
    };
    expect(await run({ kind: 'event', event: entry })).toEqual({ applied: false });
    const paid = { ...entry, key: `paid:${orders.third!.id as string}`, kind: 'paid' as const };
    expect(await run({ kind: 'event', event: paid })).toEqual({ applied: false });
    expect(await sweep()).toEqual({ applied: 0 });
    expect(await me()).toEqual(before.account);
    expect(await api.platform.db('member_points').count<{ n: string }[]>({ n: '*' })).toEqual(before.points);
    expect(await api.platform.db('member_events').count<{ n: string }[]>({ n: '*' })).toEqual(before.events);
  });

  it('the third entry issues a single-use half-price coupon, once', async () => {
    await enter(tickets.third![0]!.id as string);
    await sweep();
    await sweep();
    const a = await me();
    expect(a.coupons).toHaveLength(1);
    const code = (a.coupons as Body[])[0]!.code as string;
    const coupon = await api.platform.db('coupons').where({ area_id: AREA, code }).first();
    expect(coupon).toMatchObject({ kind: 'percent', value: 5000, max_uses: 1, used: 0 });
    // member price first, then the coupon: 6400 × 50 %
    const o = await buy({ coupons: [code] });
    expect(o.body.amountTotal).toBe(3200);
    const again = await buy({ coupons: [code] });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('coupon_used_up');
    await api.call('POST', `/v1/orders/${o.body.id as string}/cancel`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
  });

  it('member prices through a partner that sells to members, and only through it', async () => {
    const { memberNo } = await me();
    const members = await partner(api, { id: 'mem-ota' });
    const plain = await partner(api, { id: 'plain-ota' });
    const flag = await api.call('PUT', '/v1/admin/partners/mem-ota/members', {
      key: api.adminKey,
      body: { sellsToMembers: true },
    });
    expect(flag.status, JSON.stringify(flag.body)).toBe(200);

    const offer = await members.client.products(AREA, TODAY);
    const adult = (offer.products as Body[]).find((p) => p.productId === 'adult')!;
    expect((adult.prices as Body[])[0]).toMatchObject({ unitPrice: 8000, memberUnitPrice: 6400 });
    const plainOffer = await plain.client.products(AREA, TODAY);
    expect(((plainOffer.products as Body[])[0]!.prices as Body[])[0]).not.toHaveProperty('memberUnitPrice');

    const body = (ref: string, memberRef?: string) => ({
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      partnerOrderId: ref,
      items: [
        { productId: 'adult', visitors: [{ name: '李四', idNumber: residentId('19850505', person++) }] },
      ],
      ...(memberRef ? { memberRef } : {}),
    });
    const asMember = await members.client.createOrder(body('MO-1', memberNo as string));
    expect(asMember.amountTotal).toBe(6400);
    const link = await api.platform
      .db('member_orders')
      .where({ order_id: asMember.id as string })
      .first();
    expect(link).toMatchObject({ via: 'partner', member_price: true });
    expect((await members.client.createOrder(body('MO-2'))).amountTotal).toBe(8000);

    const refused = await plain.client.raw('POST', '/partner/v1/orders', body('PO-1', memberNo as string));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Body).code).toBe('member_channel_not_allowed');
    const unknown = await members.client.raw('POST', '/partner/v1/orders', body('MO-3', 'M000000000000'));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Body).code).toBe('unknown_member');
  });

  it('marketing consent is opt-in and withdrawable, with both instants kept', async () => {
    expect((await me()).marketingConsent).toMatchObject({ given: false, givenAt: null });
    const on = await api.call('PUT', '/v1/me/member/consent', { key: session, body: { marketing: true } });
    expect(on.body.marketingConsent).toMatchObject({
      given: true,
      givenAt: expect.any(String) as unknown,
      withdrawnAt: null,
    });
    const off = await api.call('PUT', '/v1/me/member/consent', { key: session, body: { marketing: false } });
    expect(off.body.marketingConsent).toMatchObject({
      given: false,
      withdrawnAt: expect.any(String) as unknown,
    });
  });

  it('exports the member’s data as JSON: profile, points ledger, orders', async () => {
    await api.call('PUT', '/v1/me/member/profile', {
      key: session,
      body: { name: '王小明', idNumber: residentId('19900101', 1) },
    });
    const ex = await api.call('GET', '/v1/me/member/export', { key: session });
    expect(ex.status).toBe(200);
    expect(ex.headers.get('content-disposition')).toContain('attachment');
    expect(ex.body.account).toMatchObject({ profile: { phone: PHONE, name: '王小明' } });
    const ids = (ex.body.orders as Body[]).map((o) => o.id);
    for (const k of ['first', 'second', 'third', 'spent']) expect(ids).toContain(orders[k]!.id);
    expect((ex.body.points as Body[]).map((p) => p.reason)).toEqual(
      expect.arrayContaining(['earn_entry', 'earn_order', 'spend', 'spend_returned', 'earn_clawback']),
    );
  });

  it('sizes a segment of members, and refuses one that could single a person out', async () => {
    const size = (body: Body) =>
      api.call('POST', `/v1/admin/areas/${AREA}/segments/size`, { key: api.adminKey, body });
    // one member (this one) in the area: a segment of one is refused, of nobody answered
    const mine = await size({ consentingOnly: false, minVisits: 2 });
    expect(mine.status).toBe(409);
    expect(mine.body.code).toBe('segment_too_small');
    expect((await size({ consentingOnly: false, minVisits: 50 })).body).toMatchObject({ size: 0 });
    // four more members of the area, two of whom consented to marketing
    for (let i = 0; i < 4; i++) {
      const a = await api.platform
        .db('member_accounts')
        .insert({
          id: randomUUID(),
          member_no: `M9000000000${i}0`,
          phone_hash: `segment-test-${i}`,
          member_since: new Date(),
          marketing_consent: i < 2,
          created_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id');
      // an anonymous order of the area, bought as this member (what a partner's member order books)
      const o = await api.call('POST', '/v1/orders', {
        headers: { 'idempotency-key': randomUUID() },
        body: {
          areaId: AREA,
          date: TODAY,
          slotId: 'day',
          items: [
            { productId: 'adult', visitors: [{ name: '赵六', idNumber: residentId('19800808', person++) }] },
          ],
        },
      });
      expect(o.status).toBe(201);
      await api.platform.db('member_orders').insert({
        order_id: o.body.id as string,
        account_id: a[0]!.id,
        via: 'session',
        member_price: false,
      });
    }
    expect((await size({ consentingOnly: false })).body).toMatchObject({ size: 5 });
    const consenting = await size({});
    expect(consenting.status).toBe(409); // this member withdrew consent: two consent
    expect(consenting.body.code).toBe('segment_too_small');
  });

  it('deletion is refused while a visit is to come, then erases the person and keeps the books masked', async () => {
    const later = await buy({}, addDays(TODAY, 5));
    expect(later.status).toBe(201);
    const refused = await api.call('POST', '/v1/me/member/deletion', { key: session });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('member_has_upcoming_visits');
    await api.call('POST', `/v1/orders/${later.body.id as string}/cancel`, {
      headers: { 'x-order-token': later.body.accessToken as string },
    });

    const db = api.platform.db;
    const account = await db('member_accounts')
      .where({ phone_hash: api.platform.vault.lookupHash('phone', PHONE) })
      .first();
    const money = await db('orders')
      .whereIn('id', [orders.first!.id as string, orders.spent!.id as string])
      .orderBy('id');
    const done = await api.call('POST', '/v1/me/member/deletion', { key: session });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.orders).toBeGreaterThanOrEqual(5);

    expect((await api.call('GET', '/v1/me/member', { key: session })).body.code).toBe('member_not_found');
    const erased = await db('member_accounts').where({ id: account!.id }).first();
    expect(erased).toMatchObject({
      phone_hash: null,
      phone_enc: null,
      name_enc: null,
      id_number_enc: null,
      id_masked: null,
    });
    expect(erased!.deleted_at).not.toBeNull();
    // the books: the same orders, amounts and payments; no phone; tickets name nobody
    const after = await db('orders')
      .whereIn(
        'id',
        money.map((o) => o.id),
      )
      .orderBy('id');
    expect(after.map((o) => [o.id, o.status, o.amount_total, o.amount_refunded])).toEqual(
      money.map((o) => [o.id, o.status, o.amount_total, o.amount_refunded]),
    );
    expect(after.every((o) => o.contact_phone_enc === null && o.contact_phone_hash === null)).toBe(true);
    expect(
      await db('payments')
        .where({ order_id: orders.spent!.id as string })
        .first('amount'),
    ).toEqual({ amount: 5900 });
    const t = await db('tickets')
      .where({ order_id: orders.first!.id as string })
      .first();
    expect(api.platform.vault.decrypt(t!.visitor_name_enc)).toBe('王**');
    expect(api.platform.vault.decrypt(t!.id_number_enc)).toBe(t!.id_masked);
    expect(t!.id_hash).toBe(`erased:${t!.id}`);
    expect(
      await db('member_points').where({ account_id: account!.id }).count<{ n: string }[]>({ n: '*' }),
    ).not.toEqual([{ n: '0' }]);
    // an erased member earns nothing more, and the next sign-in opens a fresh account
    // (the resend lock of the first code is a minute long: lifted, not waited for)
    await api.platform.redis.del(`otp-lock:${api.platform.vault.lookupHash('phone', PHONE)}`);
    session = await api.signIn(PHONE);
    const fresh = await me();
    expect(fresh).toMatchObject({ member: false, points: 0 });
    expect(fresh.memberNo).not.toBe(erased!.member_no);
  });
});
