import type { Knex } from 'knex';

/**
 * Sends writes that return nothing together with a last statement, as ONE statement:
 * `WITH w0 AS (write), w1 AS (write) <last>` (issue 19: a round trip per row of an order
 * was most of its time). Postgres runs every data-modifying WITH clause exactly once,
 * referenced or not, in the same snapshot as the last statement, so none may depend on
 * another's rows. Returns the rows of the last statement (its RETURNING), parsed by the
 * driver as a query builder's would be.
 */
export async function withWrites<R>(
  db: Knex,
  writes: readonly Knex.QueryBuilder[],
  last: Knex.QueryBuilder,
): Promise<R[]> {
  const parts = [...writes, last].map((q) => q.toSQL());
  const main = parts.pop()!;
  const sql = `with ${parts.map((p, i) => `w${i} as (${p.sql})`).join(', ')} ${main.sql}`;
  const bindings = [...parts.flatMap((p) => p.bindings), ...main.bindings];
  const { rows } = await db.raw<{ rows: R[] }>(sql, bindings as readonly Knex.RawBinding[]);
  return rows;
}
