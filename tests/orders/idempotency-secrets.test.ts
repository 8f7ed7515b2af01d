import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { ManualClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { sweepIdempotencyKeys } from '../../core/idempotency.js';
import * as m0030 from '../../core/db/migrations/0030-idempotency-no-tokens.js';

/**
 * 17.14: the idempotency table stores no bearer token (a replay derives the order's access
 * token again from the caller's secret), anonymous callers do not share one scope (keys
 * are scoped by the client secret), and old keys are swept.
 */
const clock = new ManualClock(new Date());
const D = addDays(localParts(clock.now(), 'Asia/Shanghai').date, 4);
const body = (seq: number) => ({
  areaId: 'idem-sec',
  date: D,
  slotId: '0900',
  items: [{ productId: 'adult', visitors: [{ name: '李四', idNumber: residentId('19850612', seq) }] }],
});

describe('17.14 idempotency keys without bearer tokens, scoped per client', () => {
  const api = useApi({ clock, app: { rateLimits: false } });
  beforeAll(() => api.seed(demoArea({ id: 'idem-sec' })));
  const place = (key: string, secret: string | undefined, seq: number) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': key, ...(secret ? { 'x-client-secret': secret } : {}) },
      body: body(seq),
    });

  it('stores no access token, and the replay still gives one that works', async () => {
    const key = randomUUID();
    const secret = `cs-${randomUUID()}`;
    const first = await place(key, secret, 1);
    expect(first.status).toBe(201);
    const token = String(first.body.accessToken);
    const rows = await api.platform.db('idempotency_keys').where({ key });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(token);
    expect(rows[0]!.response).not.toHaveProperty('accessToken');
    const again = await place(key, secret, 1);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.accessToken).toBe(token);
    const view = await api.call('GET', `/v1/orders/${String(first.body.id)}`, {
      headers: { 'x-order-token': token },
    });
    expect(view.status).toBe(200);
  });

  it("gives a stranger who sends someone's key nothing of theirs", async () => {
    const key = randomUUID();
    const mine = await place(key, `cs-${randomUUID()}`, 2);
    const theirs = await place(key, `cs-${randomUUID()}`, 2);
    expect(theirs.status).not.toBe(422);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.accessToken).not.toBe(mine.body.accessToken);
    // without a client secret the key itself is the secret: same key, same caller
    const k2 = randomUUID();
    const a = await place(k2, undefined, 3);
    expect((await place(k2, undefined, 3)).body.accessToken).toBe(a.body.accessToken);
  });

  it('forgets keys after a day', async () => {
    const key = randomUUID();
    await place(key, undefined, 4);
    expect(await sweepIdempotencyKeys(api.platform.db, clock.now())).toBe(0);
    clock.advance(25 * 3_600_000);
    expect(await sweepIdempotencyKeys(api.platform.db, clock.now())).toBeGreaterThanOrEqual(1);
    expect(await api.platform.db('idempotency_keys').where({ key })).toHaveLength(0);
  });

  it('scrubs tokens stored before the fix (migration 0030, safe to run again)', async () => {
    await api.platform.db('idempotency_keys').insert({
      scope: 'visitor:anonymous',
      key: 'old-key-0001',
      request_hash: 'x',
      state: 'done',
      status_code: 201,
      response: JSON.stringify({ id: 'o1', accessToken: 'raw-token-from-before' }),
    });
    await m0030.up(api.platform.db);
    const row = await api.platform.db('idempotency_keys').where({ key: 'old-key-0001' }).first();
    expect(row!.response).toEqual({ id: 'o1' });
  });
});
