import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { sendPrepared } from '../../core/db/prepared.js';

/**
 * Issue 19: core/db/prepared.ts runs the order path's prepared statements on a pooled
 * connection without knex's runner. It must give what knex gives (knex's own `$n` text,
 * the driver's parsed rows), stay in the caller's transaction, keep knex's `query` event,
 * and hand every connection back to the pool, also when the statement fails.
 */
describe('prepared statements sent past knex (real Postgres)', () => {
  const pg = usePostgres({ migrate: false, poolMax: 2 });
  const text = 'select ?::int + ?::int as sum, ?::text as word, ?::timestamptz as at, ?::int as nothing';
  const at = new Date('2026-07-01T01:02:03.004Z');

  it('returns the rows knex returns for the same text and bindings', async () => {
    const bindings = [2, 3, '景区', at, null];
    const viaKnex = (await pg.db.raw<{ rows: unknown[] }>(text, bindings)).rows;
    const direct = await sendPrepared(pg.db, 'scenic_test_sum', text, bindings);
    expect(direct).toEqual(viaKnex);
    expect(direct).toEqual([{ sum: 5, word: '景区', at, nothing: null }]);
    // the same name again: the statement prepared on each connection is reused
    for (let i = 0; i < 5; i++)
      expect(await sendPrepared(pg.db, 'scenic_test_sum', text, [i, 1, 'x', at, null])).toMatchObject([
        { sum: i + 1 },
      ]);
  });

  it('emits knex’s query event, and runs inside the caller’s transaction', async () => {
    const seen: string[] = [];
    const on = (q: { sql: string }) => seen.push(q.sql);
    pg.db.on('query', on);
    try {
      await sendPrepared(pg.db, 'scenic_test_sum', text, [1, 1, 'y', at, null]);
    } finally {
      pg.db.off('query', on);
    }
    expect(seen).toEqual([text]);

    await pg.db.raw('create table if not exists prepared_probe (n int)');
    await pg.db
      .transaction(async (trx) => {
        await sendPrepared(
          trx,
          'scenic_test_probe',
          'insert into prepared_probe (n) values (?) returning n',
          [7],
        );
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await pg.db('prepared_probe').count<{ count: number }[]>('* as count')).toEqual([{ count: 0 }]);
  });

  it('gives the driver’s error and returns the connection to the pool', async () => {
    const bad = 'select 1 / ?::int as q';
    for (let i = 0; i < 5; i++)
      await expect(sendPrepared(pg.db, 'scenic_test_div', bad, [0])).rejects.toMatchObject({ code: '22012' });
    // a pool of 2 that had lost a connection per failure would now wait for ever
    expect(await sendPrepared(pg.db, 'scenic_test_div', bad, [1])).toEqual([{ q: 1 }]);
  });
});
