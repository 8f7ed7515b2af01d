import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { verifyTicket } from '../../core/tickets/token.js';
import { PartnerApiError, PartnerClient, signHeaders } from '../../clients/partner-client.js';
import { issueCredential, revokeCredential } from '../../core/channels/partners.js';
import { systemActor } from '../../core/orders/model.js';
import { waitFor } from '../support/processes.js';
import { bookCounts, day, partner, type Body } from './support.js';

const D = day(3);

describe('partner API /partner/v1 with the signing client', () => {
  const api = useApi({ app: { rateLimits: false } });
  let ctrip: Awaited<ReturnType<typeof partner>>;
  let meituan: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'pa' }));
    ctrip = await partner(api, { id: 'ctrip', commissionBps: 1000, discountBps: 500 });
    meituan = await partner(api, { id: 'meituan' });
  });

  let n = 300;
  const orderBody = (partnerOrderId: string, over: Body = {}) => ({
    partnerOrderId,
    areaId: 'pa',
    date: D,
    slotId: '0900',
    items: [
      {
        productId: 'adult',
        visitors: [
          { name: '张三', idNumber: residentId('19900307', n++) },
          { name: '李四', idNumber: residentId('19850101', n++) },
        ],
      },
    ],
    ...over,
  });

  it('completes availability → create → confirm → tickets → refund', async () => {
    const products = await ctrip.client.products('pa', D);
    const adult = (products.products as Body[]).find((p) => p.productId === 'adult')!;
    expect((adult.prices as Body[]).find((x) => x.slotId === '0900')).toMatchObject({ unitPrice: 7600 }); // 5 % partner discount

    const av = await ctrip.client.availability('pa', D);
    expect((av.slots as Body[]).find((s) => s.slotId === '0900')).toMatchObject({ remaining: 600 });

    const created = await ctrip.client.createOrder(orderBody('CT-1001'));
    expect(created).toMatchObject({
      status: 'held',
      partnerOrderId: 'CT-1001',
      channelId: 'ota:ctrip',
      amountTotal: 15200,
    });
    expect(created).not.toHaveProperty('accessToken');

    const again = await ctrip.client.raw(
      'POST',
      '/partner/v1/orders',
      orderBody('CT-1001', { slotId: '1000' }),
    );
    // the same partner order id with another body is refused, the first one stands
    expect(again.status).toBe(409);
    expect(((await again.json()) as Body).code).toBe('partner_order_id_reused');

    const confirmed = await ctrip.client.confirm('CT-1001');
    expect(confirmed).toMatchObject({ status: 'issued', amountTotal: 15200 });
    expect((await ctrip.client.confirm('CT-1001')).status).toBe('issued'); // idempotent

    const t = await ctrip.client.tickets('CT-1001');
    const tickets = t.tickets as Body[];
    expect(tickets).toHaveLength(2);
    const keys = (await api.platform.keys()).publicKeys;
    for (const x of tickets)
      expect(verifyTicket(x.code as string, keys)).toMatchObject({
        ok: true,
        claims: { ticketId: x.ticketId, areaId: 'pa', date: D },
      });

    const st = await ctrip.client.ticketStatus(tickets[0]!.ticketId as string);
    expect(st).toMatchObject({ status: 'valid', redeemed: false, entriesUsed: 0, partnerOrderId: 'CT-1001' });

    const refunded = await ctrip.client.refund(
      'CT-1001',
      { reason: 'change_of_plans' },
      `rf-${randomUUID()}`,
    );
    expect(refunded).toMatchObject({
      order: { status: 'refunded', amountRefunded: 15200 },
      refund: { amount: 15200, status: 'succeeded' },
    });
    const after = await ctrip.client.availability('pa', D);
    expect((after.slots as Body[]).find((s) => s.slotId === '0900')).toMatchObject({ remaining: 600 });
    const audit: { action: string }[] = await api.platform
      .db('audit_log')
      .where({ subject: created.id as string })
      .orderBy('id')
      .select('action');
    expect(audit.map((a) => a.action)).toEqual([
      'scenic.order.held',
      'scenic.order.issued',
      'scenic.partner.order_confirmed',
      'scenic.order.refunded',
    ]);
  });

  it('replays a create with the same partner order id and body, once', async () => {
    const body = orderBody('CT-2002');
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => ctrip.client.raw('POST', '/partner/v1/orders', body)),
    );
    const bodies = (await Promise.all([a!, b!, c!].map((r) => r.json()))) as Body[];
    expect([a!.status, b!.status, c!.status]).toEqual([201, 201, 201]);
    expect(new Set(bodies.map((x) => x.id)).size).toBe(1);
    expect([a!, b!, c!].filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    // first answer and replays alike: a partner never gets the visitor's order access token
    for (const x of bodies) expect(x).not.toHaveProperty('accessToken');
    expect((await ctrip.client.cancel('CT-2002')).status).toBe('cancelled');
    expect((await ctrip.client.cancel('CT-2002')).status).toBe('cancelled');
  });

  it('keeps partners apart: another partner order id is 404', async () => {
    await ctrip.client.createOrder(orderBody('SHARED-1'));
    await expect(meituan.client.order('SHARED-1')).rejects.toMatchObject({
      status: 404,
      problem: { code: 'order_not_found' },
    });
    // the same id is free in another channel
    expect((await meituan.client.createOrder(orderBody('SHARED-1') as never)).channelId).toBe('ota:meituan');
  });

  it('refuses sold-out and invalid requests with problem+json', async () => {
    const bad = await ctrip.client.raw('POST', '/partner/v1/orders', orderBody('CT-BAD', { slotId: '2300' }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as Body).code).toBe('invalid_order');
  });

  describe('refuses bad requests with a clear problem and writes nothing', () => {
    const target = '/partner/v1/orders';
    const send = (headers: Record<string, string>, body: string) =>
      fetch(api.url + target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    /** ctrip's signature over a POST to the target, as of `nowMs` (now unless given) */
    const signed = (body: string, nowMs?: number) =>
      signHeaders({
        keyId: ctrip.cred.keyId,
        secret: ctrip.cred.secret,
        method: 'POST',
        host: new URL(api.url).host,
        target,
        body,
        ...(nowMs === undefined ? {} : { nowMs }),
      });

    it.each([
      [
        'a bad signature',
        'signature_invalid',
        (h: Record<string, string>) => ({ ...h, 'x-scenic-signature': `v2=${'A'.repeat(43)}` }),
        (b: string) => b,
      ],
      ['an old timestamp', 'timestamp_skew', null, (b: string) => b],
      [
        'a tampered body',
        'body_digest_mismatch',
        (h: Record<string, string>) => h,
        (b: string) => b.replace('"0900"', '"1000"'),
      ],
      [
        'a tampered body without digest header',
        'signature_invalid',
        (h: Record<string, string>) => {
          const { 'x-scenic-content-sha256': _x, ...rest } = h;
          return rest;
        },
        (b: string) => b.replace('"0900"', '"1000"'),
      ],
      [
        'an unknown key',
        'unknown_key',
        (h: Record<string, string>) => ({ ...h, 'x-scenic-key': 'pk_doesnotexist' }),
        (b: string) => b,
      ],
      ['no signature at all', 'signature_missing', () => ({}), (b: string) => b],
    ])('%s', async (_n, code, mutate, tamper) => {
      const body = JSON.stringify(orderBody(`CT-ATTACK-${code}`));
      const headers = mutate ? mutate(signed(body)) : signed(body, Date.now() - 301_000);
      const before = await bookCounts(api);
      const res = await send(headers, tamper(body));
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const p = (await res.json()) as Body;
      expect(p).toMatchObject({ status: 401, code, type: `https://scenic.dev/problems/${code}` });
      expect(typeof p.detail).toBe('string');
      expect(await bookCounts(api)).toEqual(before);
    });

    it('a reused nonce', async () => {
      const body = JSON.stringify(orderBody('CT-NONCE'));
      const headers = signed(body);
      expect((await send(headers, body)).status).toBe(201);
      const before = await bookCounts(api);
      const res = await send(headers, body);
      expect(res.status).toBe(401);
      expect(((await res.json()) as Body).code).toBe('nonce_reused');
      expect(await bookCounts(api)).toEqual(before);
    });
  });

  it('rotates a key with an overlap and honours revocation', async () => {
    const p = api.platform;
    const rotated = await issueCredential(p.db, p.vault, systemActor('test'), 'meituan', p.clock.now(), 1);
    const next = new PartnerClient({ baseUrl: api.url, keyId: rotated.keyId, secret: rotated.secret });
    // both keys work during the overlap
    expect((await meituan.client.availability('pa', D)).areaId).toBe('pa');
    expect((await next.availability('pa', D)).areaId).toBe('pa');
    // after the overlap (and at most the authenticator's 5 s row cache) the old key stops
    await waitFor(
      'old key refused',
      async () => {
        const r = await meituan.client.raw('GET', `/partner/v1/areas/pa/availability?date=${D}`);
        return r.status === 401 && ((await r.json()) as Body).code === 'unknown_key';
      },
      8_000,
    );
    expect((await next.availability('pa', D)).areaId).toBe('pa');
    const row: { secret_enc: string } = await p
      .db('partner_credentials')
      .where({ key_id: rotated.keyId })
      .first('secret_enc');
    expect(row.secret_enc).not.toContain(rotated.secret);
    await revokeCredential(p.db, systemActor('test'), rotated.keyId, p.clock.now());
    await waitFor(
      'revoked key refused',
      async () => (await next.raw('GET', `/partner/v1/areas/pa/availability?date=${D}`)).status === 401,
      8_000,
    );
    await expect(next.availability('pa', D)).rejects.toBeInstanceOf(PartnerApiError);
  });

  it('publishes the signature scheme and the partner, OCTO and box office paths in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/v1/openapi.json')).body as {
      components: { securitySchemes: Record<string, Body> };
      paths: Record<string, Body>;
    };
    expect(doc.components.securitySchemes.partnerSignature).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Scenic-Signature',
    });
    expect(String(doc.components.securitySchemes.partnerSignature!.description)).toContain(
      'SCENIC-HMAC-SHA256',
    );
    for (const p of [
      '/partner/v1/orders',
      '/partner/v1/orders/{ref}/confirm',
      '/octo/bookings',
      '/v1/box-office/sales',
      '/v1/admin/webhooks/deliveries/{id}/replay',
    ])
      expect(doc.paths[p]).toBeDefined();
  });
});
