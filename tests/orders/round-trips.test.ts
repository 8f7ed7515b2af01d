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

  it('places an order in one commit and at most 7 statements (it took 2 and 12)', async () => {
    await place(1); // warms the catalog caches: every order after the first finds them filled
    const c = await counted(async () => expect((await place(2)).status).toBe(201));
    const listing = c.sql.join('\n');
    expect(c.commits, listing).toBe(1);
    // BEGIN, the key's claim, order, line, tickets with event and audit, the key's answer, COMMIT
    expect(c.statements, listing).toBeLessThanOrEqual(7);
  });
});
