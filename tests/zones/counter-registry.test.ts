import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../core/channels/signature.js';
import { useApi } from '../support/platform.js';
import { seedScreenArea } from '../screen/support.js';
import { declareZones } from './support.js';

/**
 * Issue 21, the registration path of people-counting sensors: an admin registers a sensor
 * for a zone that names it (`POST /v1/admin/areas/{areaId}/counters`) and gets its key id
 * and secret once; the sensor's signed counts are then taken; the listing never shows the
 * secret; a retired sensor is refused at its next report; `scenic counter` does the same
 * from the command line.
 */
const AREA = 'zon-reg';
const OTHER = 'zon-reg-b';
const PATH = '/device/v1/counts';
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('21 people-counter registration', () => {
  const api = useApi({ app: { rateLimits: false } });
  const admin = (method: string, path: string, body?: unknown) =>
    api.call(method, `/v1/admin/areas/${AREA}/counters${path}`, { key: api.adminKey, body });

  beforeAll(async () => {
    await seedScreenArea(api, AREA, 100);
    await seedScreenArea(api, OTHER, 100);
    await declareZones(api, AREA, {
      zones: [
        {
          id: 'lake',
          name: { zh: '湖区', en: 'Lake' },
          capacity: 50,
          counters: ['cam-1', 'cam-2', 'cam-cli'],
        },
        { id: 'hill', name: { zh: '山区', en: 'Hill' }, capacity: 50, counters: ['cam-2'] },
      ],
    });
    await declareZones(api, OTHER, {
      zones: [{ id: 'pond', name: { zh: '池', en: 'Pond' }, capacity: 9, counters: ['cam-1'] }],
    });
  }, 60_000);

  const count = (keyId: string, secret: string) => {
    const body = JSON.stringify({
      countId: randomUUID(),
      at: new Date().toISOString(),
      entries: 2,
      exits: 0,
    });
    const headers = signRequest({
      keyId,
      secret,
      method: 'POST',
      host: new URL(api.url).host,
      target: PATH,
      body,
      nowMs: Date.now(),
      nonce: randomUUID().replaceAll('-', ''),
    });
    return fetch(`${api.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  };

  it('21 registers a sensor for its zone, shows the secret once, and takes its signed counts', async () => {
    const r = await admin('POST', '', { id: 'cam-1', zoneId: 'lake' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      keyId: 'cam-1',
      signing: 'SCENIC-HMAC-SHA256',
      endpoint: PATH,
      counter: { id: 'cam-1', areaId: AREA, zoneId: 'lake', feeds: ['lake'], status: 'active' },
    });
    const secret = r.body.secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // stored sealed, never in clear
    const row = (await api.platform.db('counter_devices').where({ id: 'cam-1' }).first())!;
    expect(row.secret_enc).not.toContain(secret);
    expect(await count('cam-1', secret)).toMatchObject({ status: 202, body: { zones: ['lake'] } });

    const list = await admin('GET', '');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const [item] = list.body.items as { id: string; status: string; lastSeenAt: string | null }[];
    expect([item!.id, item!.status]).toEqual(['cam-1', 'active']);
    expect(item!.lastSeenAt).toMatch(/^\d{4}-/);
    const audit = await api.platform.db('audit_log').where({ subject: 'counter:cam-1' }).select('action');
    expect(audit.map((a) => a.action)).toEqual(['scenic.counter.registered']);
  });

  it('21 refuses a zone the area lacks, a sensor its zone does not name, an active id and another area’s id', async () => {
    expect((await admin('POST', '', { id: 'cam-9', zoneId: 'nowhere' })).body).toMatchObject({
      status: 404,
      code: 'zone_not_found',
    });
    expect((await admin('POST', '', { id: 'cam-9', zoneId: 'lake' })).body).toMatchObject({
      status: 409,
      code: 'counter_not_declared',
    });
    expect((await admin('POST', '', { id: 'cam-1', zoneId: 'lake' })).body).toMatchObject({
      status: 409,
      code: 'counter_exists',
    });
    const other = await api.call('POST', `/v1/admin/areas/${OTHER}/counters`, {
      key: api.adminKey,
      body: { id: 'cam-1', zoneId: 'pond' },
    });
    expect(other.body).toMatchObject({ status: 409, code: 'counter_id_taken' });
    expect((await admin('POST', '', { id: 'Cam 1', zoneId: 'lake' })).status).toBe(400);
    // an area manager of the other area cannot see or touch this one's sensors
    const manager = await api.key('area-manager', undefined, { areas: [OTHER] });
    expect((await api.call('GET', `/v1/admin/areas/${AREA}/counters`, { key: manager })).status).toBe(403);
    expect(
      (await api.call('DELETE', `/v1/admin/areas/${AREA}/counters/cam-1`, { key: manager })).status,
    ).toBe(403);
  });

  it('21 retires a sensor at once; registering it again gives a new secret and the old one stays refused', async () => {
    const first = await admin('POST', '', { id: 'cam-2', zoneId: 'hill' });
    const old = first.body.secret as string;
    expect(first.body).toMatchObject({ counter: { zoneId: 'hill', feeds: ['lake', 'hill'] } });
    expect((await count('cam-2', old)).status).toBe(202);
    const retired = await admin('DELETE', '/cam-2');
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: 'cam-2', status: 'retired' });
    expect(await count('cam-2', old)).toMatchObject({ status: 401, body: { code: 'unknown_counter' } });
    expect((await admin('DELETE', '/cam-nobody')).body).toMatchObject({
      status: 404,
      code: 'counter_not_found',
    });

    const again = await admin('POST', '', { id: 'cam-2', zoneId: 'lake' });
    expect(again.status).toBe(201);
    const fresh = again.body.secret as string;
    expect(fresh).not.toBe(old);
    expect(await count('cam-2', old)).toMatchObject({ status: 401, body: { code: 'signature_invalid' } });
    expect((await count('cam-2', fresh)).status).toBe(202);
    const actions = await api.platform
      .db('audit_log')
      .where({ subject: 'counter:cam-2' })
      .orderBy('id')
      .select('action');
    expect(actions.map((a) => a.action)).toEqual([
      'scenic.counter.registered',
      'scenic.counter.retired',
      'scenic.counter.reregistered',
    ]);
  });

  it('21 scenic counter register / list / retire from the command line', async () => {
    const env = { ...process.env, ...api.env };
    const cli = (...args: string[]) =>
      run(process.execPath, ['bin/scenic.mjs', 'counter', ...args], { cwd: ROOT, env });
    const reg = await cli('register', '--id', 'cam-cli', '--area', AREA, '--zone', 'lake');
    const { keyId, secret } = JSON.parse(reg.stdout) as { keyId: string; secret: string };
    expect(keyId).toBe('cam-cli');
    expect(reg.stderr).toContain('shown once');
    expect((await count('cam-cli', secret)).status).toBe(202);
    const listed = (await cli('list', '--area', AREA)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string });
    expect(listed.map((c) => [c.id, c.status])).toEqual([
      ['cam-1', 'active'],
      ['cam-2', 'active'],
      ['cam-cli', 'active'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    await cli('retire', '--id', 'cam-cli', '--area', AREA);
    expect((await count('cam-cli', secret)).status).toBe(401);
    await expect(cli('register', '--id', 'cam-cli', '--area', AREA)).rejects.toMatchObject({ code: 2 });
    await expect(cli('register', '--id', 'cam-x', '--area', AREA, '--zone', 'lake')).rejects.toMatchObject({
      code: 1,
    });
  });
});
