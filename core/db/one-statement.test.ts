import { describe, expect, it } from 'vitest';
import knex from 'knex';
import { Insert, SqlFragment } from './one-statement.js';

// compiles only: no connection is opened
const db = knex({ client: 'pg' });

/** The rows with each fragment as the knex raw it stands for. */
const asKnex = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, v instanceof SqlFragment ? db.raw(v.sql, [...v.bindings]) : v]),
    ),
  );

describe('Insert: the text and bindings knex writes for the same rows', () => {
  const at = new Date('2026-07-01T08:00:00Z');
  const rows = [
    {
      order_id: 'o1',
      id: new SqlFragment('(select id from line_ids where i = ?)', [0]),
      amount: 12000,
      name_enc: Buffer.from('sealed'),
      group_masked: null,
      created_at: at,
      ok: true,
    },
    {
      order_id: 'o1',
      id: new SqlFragment('(select id from line_ids where i = ?)', [1]),
      amount: 0,
      name_enc: Buffer.from('other'),
      group_masked: '{"n":2}',
      created_at: at,
      ok: false,
    },
  ];

  it('several rows, a fragment among the values', () => {
    const ours = new Insert('tickets', rows).toSQL();
    const theirs = db('tickets').insert(asKnex(rows)).toSQL();
    expect(ours.sql).toBe(theirs.sql);
    expect(ours.bindings).toEqual(theirs.bindings);
  });

  it('returning a column', () => {
    const one = [{ actor: 'visitor:anonymous', action: 'scenic.order.held', data: '{}' }];
    const ours = new Insert('audit_log', one, 'id').toSQL();
    const theirs = db('audit_log').insert(one).returning('id').toSQL();
    expect(ours.sql).toBe(theirs.sql);
    expect(ours.bindings).toEqual(theirs.bindings);
  });

  it('an undefined value as DEFAULT', () => {
    const one = [{ a: 1, b: undefined }];
    const ours = new Insert('t', one).toSQL();
    const theirs = db('t').insert(one).toSQL();
    expect(ours.sql).toBe(theirs.sql);
    expect(ours.sql).toContain('DEFAULT');
    expect(ours.bindings).toEqual(theirs.bindings);
  });

  it('refuses rows of different columns, no rows and names that would need quoting', () => {
    expect(() => new Insert('t', [{ a: 1 }, { b: 2 }]).toSQL()).toThrow(/same columns/);
    expect(() => new Insert('t', [{ a: 1 }, { a: 1, b: 2 }]).toSQL()).toThrow(/same columns/);
    expect(() => new Insert('t', []).toSQL()).toThrow(/needs rows/);
    expect(() => new Insert('t', [{ 'a"; drop table t; --': 1 }]).toSQL()).toThrow(/identifier/);
  });
});
