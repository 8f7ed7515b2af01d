import type { Knex } from 'knex';

/**
 * A read the writes of one statement share, named so they can refer to it: e.g. ids drawn
 * from a sequence once (`materialized`: Postgres computes it exactly once per statement,
 * so every reference sees the same values).
 */
export interface NamedQuery {
  name: string;
  query: Knex.Raw;
}

/**
 * Sends writes that return nothing together with a last statement, as ONE statement:
 * `WITH named AS MATERIALIZED (read), w0 AS (write), w1 AS (write) <last>` (issue 19: a
 * round trip per row of an order was most of its time). Postgres runs every
 * data-modifying WITH clause exactly once, referenced or not, in the same snapshot as the
 * last statement, so none may read another's rows (foreign keys between them hold: they
 * are checked at the statement's end). Returns the rows of the last statement (its
 * RETURNING), parsed by the driver as a query builder's would be.
 */
export async function withWrites<R>(
  db: Knex,
  writes: readonly Knex.QueryBuilder[],
  last: Knex.QueryBuilder,
  named: readonly NamedQuery[] = [],
): Promise<R[]> {
  const reads = named.map((n) => ({ head: `${n.name} as materialized`, ...n.query.toSQL() }));
  const parts = [...writes, last].map((q) => q.toSQL());
  const main = parts.pop()!;
  const clauses = [...reads, ...parts.map((p, i) => ({ ...p, head: `w${i} as` }))];
  const sql = clauses.length
    ? `with ${clauses.map((c) => `${c.head} (${c.sql})`).join(', ')} ${main.sql}`
    : main.sql;
  const bindings = [...clauses.flatMap((c) => c.bindings), ...main.bindings];
  const { rows } = await db.raw<{ rows: R[] }>(sql, bindings as readonly Knex.RawBinding[]);
  return rows;
}
