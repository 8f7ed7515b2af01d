import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { signRequest } from '../../core/channels/signature.js';
import { registerCounter, revokeCounter } from '../../core/zones/counters.js';
import { readZones } from '../../core/zones/evaluate.js';
import { useApi } from '../support/platform.js';
import { seedScreenArea } from '../screen/support.js';
import { declareZones } from './support.js';

/**
 * The people-counter device API (`POST /device/v1/counts`): a signed count is taken and
 * moves its zone; a bad signature, a replayed request, an unknown or revoked sensor and a
 * sensor no zone declares are refused with problem+json, and each refusal is logged with
 * its reason.
 */
const AREA = 'zon-dev';
const PATH = '/device/v1/counts';

describe('people-counter device API', () => {
  const api = useApi({ app: { rateLimits: false } });
  let secret: string;

  beforeAll(async () => {
    await seedScreenArea(api, AREA, 100);
    await declareZones(api, AREA, {
      zones: [{ id: 'lake', name: { zh: '湖区', en: 'Lake' }, capacity: 50, counters: ['cam-lake-1'] }],
    });
    ({ secret } = await registerCounter(
      api.platform.db,
      api.platform.vault,
      { id: 'cam-lake-1', areaId: AREA },
      api.platform.clock,
    ));
  }, 60_000);

  const report = (entries: number, exits: number) =>
    JSON.stringify({ countId: randomUUID(), at: new Date().toISOString(), entries, exits });
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${api.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      body: (await r.json()) as Record<string, unknown>,
    }));
  const signed = (body: string, o: { keyId?: string; key?: string; nonce?: string } = {}) =>
    signRequest({
      keyId: o.keyId ?? 'cam-lake-1',
      secret: o.key ?? secret,
      method: 'POST',
      host: new URL(api.url).host,
      target: PATH,
      body,
      nowMs: Date.now(),
      nonce: o.nonce ?? randomUUID().replaceAll('-', ''),
    });
  const inLake = async () => {
    const area = (await api.platform.db('areas').where({ id: AREA }).first())!;
    return (await readZones(api.platform.db, area, new Date()))[0]!.inZone;
  };
  const refusalLogged = (reason: string) =>
    api.logLines.some(
      (l) => l.includes('people-counter request refused') && l.includes(`"reason":"${reason}"`),
    );

  it('takes a signed count, and a resend of the same report counts once', async () => {
    const body = report(7, 2);
    const r = await post(body, signed(body));
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body).toEqual({ recorded: true, zones: ['lake'] });
    // the same report again, signed afresh (the sensor retried after a lost answer)
    expect((await post(body, signed(body))).body).toMatchObject({ recorded: false });
    expect(await inLake()).toBe(5);
  });

  it.each([
    ['a wrong secret', { key: 'not-the-sensors-secret-at-all-0123456789' }, 'signature_invalid'],
    ['an unknown sensor', { keyId: 'cam-nobody' }, 'unknown_counter'],
  ])('refuses %s (401 problem+json) and logs the reason', async (_what, o, code) => {
    const body = report(100, 0);
    const r = await post(body, signed(body, o));
    expect(r.status).toBe(401);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe(code);
    expect(refusalLogged(code)).toBe(true);
    expect(await inLake()).toBe(5);
  });

  it('refuses a body altered after signing', async () => {
    const body = report(1, 0);
    const r = await post(report(100, 0), signed(body));
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('body_digest_mismatch');
    expect(await inLake()).toBe(5);
  });

  it('refuses a replayed request (same nonce) and logs it', async () => {
    const body = report(3, 0);
    const headers = signed(body);
    expect((await post(body, headers)).status).toBe(202);
    const again = await post(body, headers);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('nonce_reused');
    expect(refusalLogged('nonce_reused')).toBe(true);
    expect(await inLake()).toBe(8);
  });

  it('refuses unsigned requests, a bad report, a sensor no zone declares, and a revoked one', async () => {
    const body = report(1, 0);
    expect((await post(body, {})).body.code).toBe('signature_missing');
    const bad = JSON.stringify({
      countId: randomUUID(),
      at: new Date().toISOString(),
      entries: -1,
      exits: 0,
    });
    const r = await post(bad, signed(bad));
    expect([r.status, r.body.code]).toEqual([400, 'invalid_input']);
    const stray = await registerCounter(
      api.platform.db,
      api.platform.vault,
      { id: 'cam-stray', areaId: AREA },
      api.platform.clock,
    );
    const s = await post(body, signed(body, { keyId: 'cam-stray', key: stray.secret }));
    expect([s.status, s.body.code]).toEqual([403, 'counter_not_in_zone']);
    await revokeCounter(api.platform.db, 'cam-lake-1', api.platform.clock);
    const v = await post(body, signed(body));
    expect([v.status, v.body.code]).toEqual([401, 'unknown_counter']);
    expect(await inLake()).toBe(8);
  });
});
