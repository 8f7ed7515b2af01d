import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localParts } from '../../core/time.js';
import { partner } from '../channels/support.js';
import { PartnerClient } from '../../clients/partner-client.js';
import { defineJoint, jointArea } from '../joint/support.js';

type Body = Record<string, unknown>;
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'memch-lake';
const JOINT_AREAS = ['memch-j1', 'memch-j2'];

/**
 * Issue 22: the member price applies in every channel that sells to members, and is the
 * same in each — the visitor page (signed in), a partner that sells to members on
 * `/partner/v1` and on OCTO, the box office (staff identify the member by member card or
 * phone), and joint orders (the product's own member price, visitor and box office). A
 * non-member, an anonymous buyer and a partner that does not sell to members pay the list
 * price. (Becoming a member by a rule is tests/members/members.test.ts; here the account is
 * made a member directly.)
 */
describe('22 member prices at the box office, on OCTO and for joint orders', () => {
  const api = useApi({ app: { rateLimits: false } });
  const PHONE = '13911112222';
  const PLAIN_PHONE = '13933334444';
  let session = '';
  let plainSession = '';
  let memberNo = '';
  let plainNo = '';
  let person = 700;
  let boxOffice = '';
  let members: Awaited<ReturnType<typeof partner>>;
  let plain: Awaited<ReturnType<typeof partner>>;
  const paid: Record<string, number> = {};

  const visitor = () => ({ name: '钱七', idNumber: residentId('19920202', person++) });
  const memberLink = (orderId: string) =>
    api.platform.db('member_orders').where({ order_id: orderId }).first();
  const walkUp = (extra: Body = {}) =>
    api.call('POST', '/v1/box-office/sales', {
      key: boxOffice,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date: TODAY,
        slotId: 'day',
        items: [{ productId: 'adult', visitors: [visitor()] }],
        payment: { method: 'cash', tendered: 100_00 },
        ...extra,
      },
    });
  const octoBooking = (client: typeof members.client, extra: Body = {}) =>
    client.raw('POST', '/octo/bookings', {
      uuid: `OCTO-${randomUUID()}`,
      productId: AREA,
      optionId: 'DEFAULT',
      availabilityId: `${TODAY}T00:00:00+08:00`,
      unitItems: [
        {
          unitId: 'adult',
          contact: { fullName: '孙八' },
          identityDocument: { number: residentId('19870303', person++) },
        },
      ],
      ...extra,
    });
  const jointOrder = (extra: Body = {}, key?: string) =>
    api.call('POST', '/v1/joint-orders', {
      ...(key ? { key } : {}),
      headers: { 'idempotency-key': randomUUID() },
      body: { jointProductId: 'memch-trip', date: TODAY, visitors: [visitor()], ...extra },
    });

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
    for (const a of JOINT_AREAS) await api.seed(jointArea(a));
    await defineJoint(api, 'memch-trip', JOINT_AREAS, 20_000);
    const j = await api.platform.db('joint_products').where({ id: 'memch-trip' }).first();
    const withMember = await api.call('PUT', '/v1/admin/joint-products/memch-trip', {
      key: api.adminKey,
      body: {
        name: j!.name,
        price: j!.price,
        areas: j!.areas,
        suppliers: j!.suppliers,
        memberPriceBps: 8000,
      },
    });
    expect(withMember.status, JSON.stringify(withMember.body)).toBe(200);
    expect(withMember.body.memberPriceBps).toBe(8000);

    session = await api.signIn(PHONE);
    plainSession = await api.signIn(PLAIN_PHONE);
    // a member by a rule elsewhere (tests/members/members.test.ts); here directly
    await api.platform
      .db('member_accounts')
      .where({ phone_hash: api.platform.vault.lookupHash('phone', PHONE) })
      .update({ member_since: new Date() });
    memberNo = (await api.call('GET', '/v1/me/member', { key: session })).body.memberNo as string;
    plainNo = (await api.call('GET', '/v1/me/member', { key: plainSession })).body.memberNo as string;
    boxOffice = await api.key('box-office', 'box-office');
    members = await partner(api, { id: 'memch-ota' });
    plain = await partner(api, { id: 'memch-plain' });
    const flag = await api.call('PUT', '/v1/admin/partners/memch-ota/members', {
      key: api.adminKey,
      body: { sellsToMembers: true },
    });
    expect(flag.status).toBe(200);
  });

  it('the visitor page: a signed-in member pays the member price, an anonymous buyer the list price', async () => {
    const buy = (key?: string) =>
      api.call('POST', '/v1/orders', {
        ...(key ? { key } : {}),
        headers: { 'idempotency-key': randomUUID() },
        body: {
          areaId: AREA,
          date: TODAY,
          slotId: 'day',
          items: [{ productId: 'adult', visitors: [visitor()] }],
        },
      });
    const asMember = await buy(session);
    expect(asMember.status, JSON.stringify(asMember.body)).toBe(201);
    paid.visitor = asMember.body.amountTotal as number;
    expect(paid.visitor).toBe(6400);
    expect((await buy()).body.amountTotal).toBe(8000);
  });

  it('the box office: a member identified by member card or phone pays the member price', async () => {
    const byCard = await walkUp({ member: { memberNo } });
    expect(byCard.status, JSON.stringify(byCard.body)).toBe(201);
    const order = byCard.body.order as Body;
    paid.boxOfficeCard = order.amountTotal as number;
    expect(byCard.body.payment).toMatchObject({ status: 'paid', changeDue: 100_00 - 6400 });
    expect(await memberLink(order.id as string)).toMatchObject({ via: 'box_office', member_price: true });
    const byPhone = await walkUp({ member: { phone: PHONE } });
    expect(byPhone.status, JSON.stringify(byPhone.body)).toBe(201);
    paid.boxOfficePhone = (byPhone.body.order as Body).amountTotal as number;
    // the audit says how the member was identified, never the phone
    const audited = await api.platform
      .db('audit_log')
      .where({ action: 'scenic.box_office.sale', subject: (byPhone.body.order as Body).id as string })
      .first();
    expect(audited!.data).toMatchObject({ member: 'phone' });
    expect(JSON.stringify(audited)).not.toContain(PHONE);

    // no member, an account that is not (yet) a member, an unknown phone or card
    expect(((await walkUp()).body.order as Body).amountTotal).toBe(8000);
    const notYet = await walkUp({ member: { memberNo: plainNo } });
    expect((notYet.body.order as Body).amountTotal).toBe(8000);
    expect(await memberLink((notYet.body.order as Body).id as string)).toMatchObject({ member_price: false });
    const unknownPhone = await walkUp({ member: { phone: '13800009999' } });
    expect([unknownPhone.status, unknownPhone.body.code]).toEqual([400, 'unknown_member']);
    expect(unknownPhone.headers.get('content-type')).toContain('application/problem+json');
    expect((await walkUp({ member: { memberNo: 'M000000000000' } })).body.code).toBe('unknown_member');
    expect((await walkUp({ member: { memberNo: 'X1' } })).status).toBe(400);
    expect((await walkUp({ member: { phone: PHONE, memberNo } })).status).toBe(400);
  });

  it('OCTO: a partner that sells to members books at the member price; one that does not may not name a member', async () => {
    const res = await octoBooking(members.client, { memberRef: memberNo });
    const b = (await res.json()) as Body;
    expect(res.status, JSON.stringify(b)).toBe(200);
    const order = await api.platform
      .db('orders')
      .where({ partner_order_id: b.uuid as string })
      .first();
    expect(order, 'the booking is an order').toBeDefined();
    paid.octo = order!.amount_total;
    expect(await memberLink(order!.id)).toMatchObject({ via: 'partner', member_price: true });
    const listed = await octoBooking(members.client);
    const lb = (await listed.json()) as Body;
    const listOrder = await api.platform
      .db('orders')
      .where({ partner_order_id: lb.uuid as string })
      .first();
    expect(listOrder!.amount_total).toBe(8000);
    const refused = await octoBooking(plain.client, { memberRef: memberNo });
    // OCTO's error shape: its refusals are 400s, Scenic's code kept beside OCTO's own
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Body).code).toBe('member_channel_not_allowed');
    // and /partner/v1, for the comparison below
    const p = await members.client.createOrder({
      partnerOrderId: `P-${randomUUID()}`,
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      items: [{ productId: 'adult', visitors: [visitor()] }],
      memberRef: memberNo,
    } as Parameters<typeof members.client.createOrder>[0]);
    paid.partner = p.amountTotal as number;
  });

  it('joint orders: the product’s member price for a signed-in member and at the box office', async () => {
    const asMember = await jointOrder({}, session);
    expect(asMember.status, JSON.stringify(asMember.body)).toBe(201);
    expect(asMember.body.amountTotal).toBe(16_000);
    expect(await memberLink(asMember.body.id as string)).toMatchObject({
      via: 'session',
      member_price: true,
    });
    const atWindow = await jointOrder({ memberRef: memberNo }, boxOffice);
    expect(atWindow.status, JSON.stringify(atWindow.body)).toBe(201);
    expect(atWindow.body.amountTotal).toBe(16_000);
    expect(await memberLink(atWindow.body.id as string)).toMatchObject({ via: 'box_office' });
    // the tickets of every area add up to the member price
    const tickets = await api.platform.db('tickets').where({ order_id: atWindow.body.id as string });
    expect(tickets).toHaveLength(2);
    expect(tickets.reduce((s, t) => s + t.price, 0)).toBe(16_000);

    expect((await jointOrder()).body.amountTotal).toBe(20_000);
    expect((await jointOrder({}, plainSession)).body.amountTotal).toBe(20_000);
    // an anonymous visitor cannot claim to be a member by number
    const claimed = await jointOrder({ memberRef: memberNo });
    expect([claimed.status, claimed.body.code]).toEqual([403, 'member_channel_not_allowed']);
  });

  it('the member’s export holds their spend inside the area (second spend)', async () => {
    const m = await api.call('POST', `/v1/admin/areas/${AREA}/merchants`, {
      key: api.adminKey,
      body: { id: 'memch-shop', name: 'Shop', category: 'shop' },
    });
    expect(m.status).toBe(201);
    const shop = new PartnerClient({
      baseUrl: api.url,
      keyId: m.body.keyId as string,
      secret: m.body.secret as string,
    });
    const s = await shop.raw('POST', '/merchant/v1/sales', {
      saleId: 'MEMCH-1',
      amount: 2_500,
      at: new Date().toISOString(),
      memberRef: memberNo,
    });
    expect(s.status).toBe(201);
    const ex = await api.call('GET', '/v1/me/member/export', { key: session });
    expect(ex.body.spend).toEqual([
      {
        merchantId: 'memch-shop',
        areaId: AREA,
        category: 'shop',
        amount: 2_500,
        refunded: 0,
        at: expect.any(String) as unknown,
      },
    ]);
    const other = await api.call('GET', '/v1/me/member/export', { key: plainSession });
    expect(other.body.spend).toEqual([]);
  });

  it('the same member price in every channel', () => {
    expect(paid).toEqual({
      visitor: 6400,
      boxOfficeCard: 6400,
      boxOfficePhone: 6400,
      octo: 6400,
      partner: 6400,
    });
  });
});
