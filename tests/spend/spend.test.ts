import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { localParts } from '../../core/time.js';
import { PartnerClient, signHeaders } from '../../clients/partner-client.js';
import { partner } from '../channels/support.js';

type Body = Record<string, unknown>;
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'spend-lake';
const OTHER = 'spend-hill';
const DAY = [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 200 }];

/**
 * Issue 22, second spend through the HTTP API (Postgres, Redis): the area's manager
 * registers a restaurant (secret shown once, sealed at rest, audited); the restaurant posts
 * sales signed exactly like a partner (the partner client signs them); unsigned, replayed,
 * forged and retired-key requests are refused; a post is idempotent by the merchant's sale
 * id; a ticket of another area is refused; refunds and voids; the manager's report knows
 * who entered and spent nothing inside; spend bands and "nothing inside" are segment
 * criteria that keep the minimum group size.
 */
describe('22 second spend: signed merchant sales, insight, spend segments', () => {
  const api = useApi({ app: { rateLimits: false } });
  let person = 500;
  let gateCred = '';
  let seq = 0;
  let shop: { keyId: string; secret: string; client: PartnerClient };

  /** a cash walk-up sale at the area's box office: an issued order with one ticket */
  const sell = async (areaId: string): Promise<{ orderId: string; ticketId: string; code: string }> => {
    const res = await api.call('POST', '/v1/box-office/sales', {
      key: await api.key('box-office', 'box-office', { areas: [areaId] }),
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId,
        date: TODAY,
        slotId: 'day',
        items: [
          { productId: 'adult', visitors: [{ name: '周一', idNumber: residentId('19880808', person++) }] },
        ],
        payment: { method: 'cash', tendered: 100_00 },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const order = res.body.order as Body;
    const t = (order.tickets as Body[])[0]!;
    return { orderId: order.id as string, ticketId: t.id as string, code: t.code as string };
  };
  const enter = async (ticketId: string) => {
    const res = await fetch(`${api.url}/gate/v1/journal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateCred}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        entries: [
          {
            scanId: randomUUID(),
            ticketId,
            at: new Date().toISOString(),
            media: 'qr',
            seq: ++seq,
            direction: 'in',
            decision: 'admit',
            reason: 'ok',
            mode: 'online',
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
  };
  const sale = (over: Body = {}) => ({
    saleId: `S-${randomUUID()}`,
    amount: 4_800,
    at: new Date().toISOString(),
    ...over,
  });
  const post = async (client: PartnerClient, body: unknown) => {
    const res = await client.raw('POST', '/merchant/v1/sales', body);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Body };
  };
  const register = (areaId: string, body: Body, key = api.adminKey) =>
    api.call('POST', `/v1/admin/areas/${areaId}/merchants`, { key, body });

  beforeAll(async () => {
    for (const id of [AREA, OTHER])
      await api.seed(
        demoArea({
          id,
          slots: DAY,
          quotas: [],
          coupons: [],
          ...(id === OTHER ? { entrances: [{ id: 'hill-gate', name: 'Hill' }] } : {}),
        }),
      );
    gateCred = (
      await registerGateDevice(
        api.platform.db,
        { id: 'spend-g1', areaId: AREA, entranceId: 'north-gate', kind: 'turnstile' },
        api.platform.clock,
      )
    ).credential;
  });

  it('the area manager registers a merchant: secret shown once, sealed at rest, audited, area-scoped', async () => {
    const res = await register(AREA, { id: 'lake-noodles', name: 'Lake Noodles', category: 'restaurant' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.signing).toBe('SCENIC-HMAC-SHA256');
    expect(res.body.keyId).toMatch(/^mk_/);
    const secret = res.body.secret as string;
    expect(secret.length).toBeGreaterThan(30);
    const row = await api.platform.db('merchants').where({ id: 'lake-noodles' }).first();
    expect(row!.secret_enc).not.toContain(secret);
    expect(api.platform.vault.decrypt(row!.secret_enc)).toBe(secret);
    const list = await api.call('GET', `/v1/admin/areas/${AREA}/merchants`, { key: api.adminKey });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const audited = await api.platform
      .db('audit_log')
      .where({ action: 'scenic.merchant.registered' })
      .first();
    expect(audited).toMatchObject({ subject: 'merchant:lake-noodles', area_id: AREA });
    expect(JSON.stringify(audited)).not.toContain(secret);
    const again = await register(AREA, { id: 'lake-noodles', name: 'x', category: 'shop' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('merchant_exists');
    // a manager of the other area cannot register into this one
    const other = await register(
      AREA,
      { id: 'hill-shop', name: 'Hill', category: 'shop' },
      await api.key('area-manager', undefined, { areas: [OTHER] }),
    );
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('area_not_in_scope');
    const bad = await register(AREA, { id: 'Bad Id', name: '', category: 'bar' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    shop = {
      keyId: res.body.keyId as string,
      secret,
      client: new PartnerClient({ baseUrl: api.url, keyId: res.body.keyId as string, secret }),
    };
  });

  it('a signed sale naming a ticket (by its code) is recorded; the same post again answers the first', async () => {
    const t = await sell(AREA);
    const body = sale({ ticketRef: t.code });
    const first = await post(shop.client, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      merchantId: 'lake-noodles',
      areaId: AREA,
      category: 'restaurant',
      amount: 4_800,
      net: 4_800,
      ticketId: t.ticketId,
      orderId: t.orderId,
      status: 'recorded',
    });
    const replay = await post(shop.client, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await api.platform.db('spend_sales').where({ merchant_sale_id: body.saleId }).count()).toEqual([
      { count: 1 },
    ]);
    const reused = await post(shop.client, { ...body, amount: 9_900 });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('merchant_sale_id_reused');
    // by ticket id too, and the category of the sale wins over the merchant's
    const byId = await post(shop.client, sale({ ticketRef: t.ticketId, category: 'parking', amount: 1_000 }));
    expect(byId.status).toBe(201);
    expect(byId.body).toMatchObject({ category: 'parking', orderId: t.orderId });
    const spend = await api.call('GET', `/v1/admin/areas/${AREA}/spend?orderId=${t.orderId}`, {
      key: api.adminKey,
    });
    expect(spend.body).toMatchObject({
      net: 5_800,
      sales: 2,
      band: 'low',
      byCategory: { restaurant: 4_800, parking: 1_000 },
    });
  });

  it('refuses unsigned, replayed, forged, other-key and retired-key requests', async () => {
    const t = await sell(AREA);
    const body = JSON.stringify(sale({ ticketRef: t.ticketId }));
    const send = (headers: Record<string, string>) =>
      fetch(`${api.url}/merchant/v1/sales`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Body }));
    const host = new URL(api.url).host;
    const sign = (keyId: string, secret: string, nonce = randomBytes(12).toString('hex')) =>
      signHeaders({ keyId, secret, method: 'POST', host, target: '/merchant/v1/sales', body, nonce });

    const unsigned = await send({});
    expect([unsigned.status, unsigned.body.code]).toEqual([401, 'signature_missing']);
    const forged = await send(sign(shop.keyId, 'not-the-secret-of-this-merchant-key'));
    expect([forged.status, forged.body.code]).toEqual([401, 'signature_invalid']);
    const headers = sign(shop.keyId, shop.secret);
    expect((await send(headers)).status).toBe(201);
    const replayed = await send(headers);
    expect([replayed.status, replayed.body.code]).toEqual([401, 'nonce_reused']);
    // a partner's key is no merchant's key, even validly signed
    const ota = await partner(api, { id: 'spend-ota' });
    const asPartner = await send(sign(ota.cred.keyId, ota.cred.secret));
    expect([asPartner.status, asPartner.body.code]).toEqual([401, 'unknown_key']);
    // only one sale was written by all of these
    expect(await api.platform.db('spend_sales').where({ ticket_id: t.ticketId }).count()).toEqual([
      { count: 1 },
    ]);

    // a new key stops the old one; a retired merchant is refused
    const rotated = await api.call('POST', `/v1/admin/areas/${AREA}/merchants/lake-noodles/key`, {
      key: api.adminKey,
    });
    expect(rotated.status).toBe(201);
    const old = await post(shop.client, sale({ ticketRef: t.ticketId }));
    expect([old.status, old.body.code]).toEqual([401, 'unknown_key']);
    shop = {
      keyId: rotated.body.keyId as string,
      secret: rotated.body.secret as string,
      client: new PartnerClient({
        baseUrl: api.url,
        keyId: rotated.body.keyId as string,
        secret: rotated.body.secret as string,
      }),
    };
    expect((await post(shop.client, sale({ ticketRef: t.ticketId }))).status).toBe(201);
    const temp = await register(AREA, { id: 'lake-kiosk', name: 'Kiosk', category: 'shop' });
    const kiosk = new PartnerClient({
      baseUrl: api.url,
      keyId: temp.body.keyId as string,
      secret: temp.body.secret as string,
    });
    const retired = await api.call('DELETE', `/v1/admin/areas/${AREA}/merchants/lake-kiosk`, {
      key: api.adminKey,
    });
    expect(retired.status).toBe(204);
    const after = await post(kiosk, sale({ ticketRef: t.ticketId }));
    expect([after.status, after.body.code]).toEqual([401, 'unknown_key']);
  });

  it('refuses a ticket of another area, an unknown ticket or member, and a body that names nobody', async () => {
    const hill = await sell(OTHER);
    const other = await post(shop.client, sale({ ticketRef: hill.code }));
    expect(other.status).toBe(400);
    expect(other.type).toContain('application/problem+json');
    expect(other.body.code).toBe('ticket_other_area');
    const byId = await post(shop.client, sale({ ticketRef: hill.ticketId }));
    expect(byId.body.code).toBe('ticket_other_area');
    expect(await api.platform.db('spend_sales').where({ ticket_id: hill.ticketId }).count()).toEqual([
      { count: 0 },
    ]);
    expect((await post(shop.client, sale({ ticketRef: randomUUID() }))).body.code).toBe('unknown_ticket');
    expect((await post(shop.client, sale({ memberRef: 'M000000000001' }))).body.code).toBe('unknown_member');
    const nobody = await post(shop.client, sale());
    expect(nobody.status).toBe(400);
    expect(nobody.body.code).toBe('invalid_input');
    const future = await post(
      shop.client,
      sale({ ticketRef: hill.ticketId, at: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(future.body.code).toBe('sale_time_out_of_range');
    const negative = await post(shop.client, sale({ memberRef: 'M000000000001', amount: -5 }));
    expect(negative.status).toBe(400);
  });

  it('refunds part of a sale and voids the rest, idempotently; never more than the sale', async () => {
    const t = await sell(AREA);
    const s = await post(shop.client, sale({ ticketRef: t.ticketId, amount: 10_000 }));
    const refund = (body: Body) =>
      shop.client
        .raw('POST', `/merchant/v1/sales/${s.body.saleId as string}/refunds`, body)
        .then(async (r) => ({ status: r.status, body: (await r.json()) as Body }));
    const part = await refund({ refundId: 'R-1', amount: 3_000 });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(part.body).toMatchObject({ refunded: 3_000, net: 7_000, status: 'recorded' });
    expect((await refund({ refundId: 'R-1', amount: 3_000 })).status).toBe(200);
    expect((await refund({ refundId: 'R-1', amount: 2_000 })).body.code).toBe('merchant_refund_id_reused');
    const over = await refund({ refundId: 'R-2', amount: 8_000 });
    expect([over.status, over.body.code]).toEqual([409, 'refund_exceeds_sale']);
    const voided = await refund({ refundId: 'R-3' });
    expect(voided.body).toMatchObject({ refunded: 10_000, net: 0, status: 'voided' });
    expect((await refund({ refundId: 'R-4', amount: 1 })).body.code).toBe('sale_voided');
    const got = await shop.client.request('GET', `/merchant/v1/sales/${s.body.saleId as string}`);
    expect(got).toMatchObject({ status: 'voided', net: 0 });
    const unknown = await shop.client.raw('GET', '/merchant/v1/sales/nope');
    expect(unknown.status).toBe(404);
    // another merchant of the area does not see this merchant's sale
    const cafe = await register(AREA, { id: 'lake-cafe', name: 'Cafe', category: 'restaurant' });
    const cafeClient = new PartnerClient({
      baseUrl: api.url,
      keyId: cafe.body.keyId as string,
      secret: cafe.body.secret as string,
    });
    const theirs = await cafeClient.raw('GET', `/merchant/v1/sales/${s.body.saleId as string}`);
    expect([theirs.status, ((await theirs.json()) as Body).code]).toEqual([404, 'sale_not_found']);
    const refundTheirs = await cafeClient.raw(
      'POST',
      `/merchant/v1/sales/${s.body.saleId as string}/refunds`,
      {
        refundId: 'X-1',
      },
    );
    expect(refundTheirs.status).toBe(404);
    // the signed door takes JSON only, as the partners' does
    const form = await shop.client.raw('POST', '/merchant/v1/sales', undefined, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(400); // no body: the schema refuses it
    const text = await cafeClient.raw('POST', '/merchant/v1/sales', 'saleId=1', {
      'content-type': 'text/plain',
    });
    expect([text.status, ((await text.json()) as Body).code]).toEqual([415, 'unsupported_media_type']);
    // no merchant secret in the logs
    expect(api.logLines.join('\n')).not.toContain(cafe.body.secret as string);
    expect(api.logLines.join('\n')).not.toContain(shop.secret);
  });

  it('the report: totals by category and day, and the entered orders that spent nothing inside', async () => {
    const spent = await sell(AREA);
    const nothing = await sell(AREA);
    await enter(spent.ticketId);
    await enter(nothing.ticketId);
    await post(shop.client, sale({ ticketRef: spent.ticketId, amount: 35_000 }));
    const before = await api.call('GET', `/v1/admin/areas/${AREA}/spend/report?from=${TODAY}&to=${TODAY}`, {
      key: api.adminKey,
    });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const r = before.body as {
      days: Body[];
      totals: Body & { byCategory: Body };
      visits: { entered: number; spentNothingInside: number; bands: Record<string, number> };
    };
    expect(r.visits).toEqual({
      entered: 2,
      spentNothingInside: 1,
      bands: { none: 1, low: 0, mid: 0, high: 1 },
    });
    const rows = await api.platform.db('spend_sales').where({ area_id: AREA });
    const net = rows.reduce((a, s) => a + s.amount - s.amount_refunded, 0);
    expect(r.totals).toMatchObject({ sales: rows.length, net });
    expect(r.days.every((d) => d.date === TODAY)).toBe(true);
    expect(r.days.map((d) => d.category).sort()).toEqual(['parking', 'restaurant']);
    const bad = await api.call('GET', `/v1/admin/areas/${AREA}/spend/report?from=${TODAY}&to=2000-01-01`, {
      key: api.adminKey,
    });
    expect(bad.status).toBe(400);
    const scoped = await api.call('GET', `/v1/admin/areas/${AREA}/spend/report?from=${TODAY}&to=${TODAY}`, {
      key: await api.key('area-manager', undefined, { areas: [OTHER] }),
    });
    expect(scoped.status).toBe(403);
  });

  it('spend bands and "spent nothing inside" as segment criteria, with the minimum group size', async () => {
    const size = (body: Body) =>
      api.call('POST', `/v1/admin/areas/${AREA}/segments/size`, { key: api.adminKey, body });
    const members: { no: string; ticketId: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const no = `M77000000000${i}`;
      const [a] = await api.platform
        .db('member_accounts')
        .insert({
          id: randomUUID(),
          member_no: no,
          phone_hash: `spend-segment-${i}`,
          member_since: new Date(),
          marketing_consent: true,
          created_at: new Date(),
          updated_at: new Date(),
        })
        .returning('id');
      const t = await sell(AREA);
      await api.platform
        .db('member_orders')
        .insert({ order_id: t.orderId, account_id: a!.id, via: 'session', member_price: true });
      await enter(t.ticketId);
      members.push({ no, ticketId: t.ticketId });
    }
    const saleIds: string[] = [];
    // five of them eat at the restaurant (¥50 each: "low"), by member card or by ticket; one spends nothing
    for (const [i, m] of members.slice(0, 5).entries()) {
      const s = await post(
        shop.client,
        sale(i % 2 ? { memberRef: m.no } : { ticketRef: m.ticketId, amount: 5_000 }),
      );
      expect(s.status, JSON.stringify(s.body)).toBe(201);
      expect(s.body.member).toBe(true);
      saleIds.push(s.body.saleId as string);
    }
    const memberSpend = await api.call('GET', `/v1/admin/areas/${AREA}/spend?memberNo=${members[1]!.no}`, {
      key: api.adminKey,
    });
    expect(memberSpend.body).toMatchObject({ net: 4_800, band: 'low' });
    expect((await size({ insideSpendBands: ['low'] })).body).toMatchObject({ size: 5 });
    expect((await size({ spentNothingInside: false })).body).toMatchObject({ size: 5 });
    expect((await size({ insideSpendBands: ['high'] })).body).toMatchObject({ size: 0 });
    // the one who entered and spent nothing inside: a segment of one is refused
    const one = await size({ spentNothingInside: true });
    expect([one.status, one.body.code]).toEqual([409, 'segment_too_small']);
    const none = await size({ insideSpendBands: ['none'] });
    expect(none.body.code).toBe('segment_too_small');
    // a void moves a member out of "low" and into "nothing inside": four are too few, two too
    const v = await shop.client.raw('POST', `/merchant/v1/sales/${saleIds[0]!}/refunds`, {
      refundId: 'VOID-0',
    });
    expect(v.status).toBe(201);
    expect((await size({ insideSpendBands: ['low'] })).body.code).toBe('segment_too_small');
    expect((await size({ spentNothingInside: true })).body.code).toBe('segment_too_small');
    expect((await size({ insideSpendBands: ['low', 'none'] })).body).toMatchObject({ size: 6 });
    const bad = await size({ insideSpendBands: ['huge'] });
    expect(bad.status).toBe(400);
  });
});
