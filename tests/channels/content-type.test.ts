import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { signHeaders } from '../../clients/partner-client.js';
import { demoArea } from '../../core/catalog/demo.js';
import { residentId, useApi } from '../support/platform.js';
import { bookCounts, day, partner, type Body } from './support.js';

/**
 * #17.19, "the partner API and OCTO refuse content types other than JSON as their documents
 * declare": the signed routers read the raw body for the signature and parsed it as JSON
 * whatever its declared type, so a form post or a text/plain body was taken as an order.
 * Now a write with a body that is not `application/json` answers 415 (api/partner-auth.ts).
 */
const D = day(4);
const api = useApi({ app: { rateLimits: false } });
let ota: Awaited<ReturnType<typeof partner>>;
let bearer: string;

beforeAll(async () => {
  await api.seed(demoArea({ id: 'ct-park' }));
  ota = await partner(api, { id: 'ct-ota' });
  bearer = `${ota.cred.keyId}.${ota.cred.secret}`;
});

let n = 700;
const order = (): Body => ({
  partnerOrderId: `CT-${randomUUID()}`,
  areaId: 'ct-park',
  date: D,
  slotId: '0900',
  items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: residentId('19900307', n++) }] }],
});

/** A signed request whose body is sent exactly as given, with the given content type (or none). */
function signed(method: string, target: string, body: string | undefined, type: string | undefined) {
  const headers: Record<string, string> = {
    ...signHeaders({
      keyId: ota.cred.keyId,
      secret: ota.cred.secret,
      method,
      host: new URL(api.url).host,
      target,
      body,
    }),
    ...(type === undefined ? {} : { 'content-type': type }),
  };
  return fetch(api.url + target, { method, headers, body });
}

/** Node's fetch sets text/plain for a string body; a Uint8Array body goes without a type. */
function signedUntyped(target: string, body: string) {
  const headers = signHeaders({
    keyId: ota.cred.keyId,
    secret: ota.cred.secret,
    method: 'POST',
    host: new URL(api.url).host,
    target,
    body,
  });
  return fetch(api.url + target, { method: 'POST', headers, body: new TextEncoder().encode(body) });
}

async function expect415(res: Response, what: string) {
  const body = (await res.json()) as Body;
  expect(res.status, `${what}: ${JSON.stringify(body)}`).toBe(415);
  expect(body.code, what).toBe('unsupported_media_type');
  return { res, body };
}

describe('17.19 the partner API and OCTO refuse content types other than JSON as their documents declare', () => {
  it('partner API: a signed order in text/plain, a form, or with no type is refused and writes nothing', async () => {
    const before = await bookCounts(api);
    const json = JSON.stringify(order());
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const { res } = await expect415(await signed('POST', '/partner/v1/orders', json, type), type);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    await expect415(
      await signed(
        'POST',
        '/partner/v1/orders',
        'partnerOrderId=X&areaId=ct-park',
        'application/x-www-form-urlencoded',
      ),
      'a real form body',
    );
    await expect415(await signedUntyped('/partner/v1/orders', json), 'no content type');
    expect(await bookCounts(api)).toEqual(before);
  });

  it('partner API: JSON (with or without a UTF-8 charset), body-less writes and reads still pass', async () => {
    const a = await signed('POST', '/partner/v1/orders', JSON.stringify(order()), 'application/json');
    expect(a.status, JSON.stringify(await a.clone().json())).toBe(201);
    const b = await signed(
      'POST',
      '/partner/v1/orders',
      JSON.stringify(order()),
      'Application/JSON; charset=UTF-8',
    );
    expect(b.status).toBe(201);
    const ref = ((await b.json()) as Body).partnerOrderId as string;
    const confirm = await signed('POST', `/partner/v1/orders/${ref}/confirm`, undefined, undefined);
    expect(confirm.status, JSON.stringify(await confirm.clone().json())).toBe(200);
    const read = await signed('GET', `/partner/v1/orders/${ref}`, undefined, 'text/plain');
    expect(read.status).toBe(200);
  });

  it('OCTO: a text/plain or form body is refused with 415 in OCTO shape, reads are not', async () => {
    const body = JSON.stringify({
      productId: 'ct-park',
      optionId: 'DEFAULT',
      localDateStart: D,
      localDateEnd: D,
    });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const signedRes = await signed('POST', '/octo/availability', body, type);
      const { body: p } = await expect415(signedRes, `signed ${type}`);
      expect(p.error).toBe('BAD_REQUEST');
      const bearerRes = await fetch(`${api.url}/octo/availability`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': type },
        body,
      });
      await expect415(bearerRes, `bearer ${type}`);
    }
    const ok = await signed('POST', '/octo/availability', body, 'application/json');
    expect(ok.status, JSON.stringify(await ok.clone().json())).toBe(200);
    const products = await fetch(`${api.url}/octo/products`, {
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'text/plain' },
    });
    expect(products.status).toBe(200);
  });
});
