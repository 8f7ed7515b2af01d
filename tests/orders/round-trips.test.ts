import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * Issue 19: what one `POST /v1/orders` costs Postgres, counted statement by statement on
 * the platform's own knex (every query, BEGIN and COMMIT included; a statement outside a
 * transaction commits by itself). Unlike a timing, the count does not depend on the
 * machine's load, so it guards the order path's round trips.
 */
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 5);

describe('19 round trips of placing an order (real Postgres)', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(() => api.seed(demoArea({ id: 'round-trips' })));

  /** The statements the platform sent while `fn` ran, and how many commits they made. */
  async function counted(fn: () => Promise<unknown>) {
    const sql: { sql: string; trx: boolean }[] = [];
    const on = (q: { sql: string; __knexTxId?: string }) => sql.push({ sql: q.sql, trx: !!q.__knexTxId });
    api.platform.db.on('query', on);
    try {
      await fn();
    } finally {
      api.platform.db.off('query', on);
    }
    const commits = sql.filter((s) => /^commit/i.test(s.sql) || !s.trx).length;
    return { statements: sql.length, commits, sql: sql.map((s) => s.sql) };
  }

  const place = (seq: number, key = randomUUID()) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': key },
      body: {
        areaId: 'round-trips',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: '王五', idNumber: residentId('19800101', seq) }] }],
      },
    });

  it('places an order in 2 statements, no BEGIN or COMMIT (it took 12 with 2 commits, then 7 and 4 with 1)', async () => {
    await place(1); // warms the catalog caches: every order after the first finds them filled
    const c = await counted(async () => expect((await place(2)).status).toBe(201));
    const listing = c.sql.join('\n');
    // the key's claim; then order, lines, tickets, event, audit and the key's answer, guarded
    // by the key still being the run's: each commits by itself
    expect(c.statements, listing).toBe(2);
    expect(c.commits, listing).toBe(2);
    expect(
      c.sql.some((s) => /^(begin|commit)/i.test(s)),
      listing,
    ).toBe(false);
  });

  it('answers with what a read-back and a replay show, though it reads nothing back', async () => {
    const key = randomUUID();
    const first = await place(3, key);
    expect(first.status).toBe(201);
    const token = first.body.accessToken as string;
    const read = await api.call('GET', `/v1/orders/${first.body.id as string}`, {
      headers: { 'x-order-token': token },
    });
    expect(read.status).toBe(200);
    const replay = await place(3, key);
    expect(replay.status).toBe(201);
    const { accessToken: _t, ...answer } = first.body;
    expect(read.body).toEqual(answer);
    expect(replay.body).toEqual(first.body);
    expect(answer.tickets).toHaveLength(1);
  });
});
