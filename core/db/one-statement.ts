import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { sendPrepared } from './prepared.js';

/** SQL text with its own `?` bindings, to stand as a value in an {@link Insert}'s rows. */
export class SqlFragment {
  constructor(
    readonly sql: string,
    readonly bindings: readonly Knex.Value[],
  ) {}
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const quoted = (name: string) => {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
};

/**
 * Rows to insert into one table, as a clause of `withWrites`, compiled without knex's
 * query builder (issue 19: building and compiling the five builders of an order was a
 * tenth of the API's time per order). The text is the one knex writes for the same rows:
 * the first row's columns sorted, `?` for each value (DEFAULT for undefined), a
 * {@link SqlFragment}'s text in place; every row has the first row's columns.
 */
export class Insert {
  constructor(
    readonly table: string,
    readonly rows: readonly Record<string, unknown>[],
    readonly returning?: string,
  ) {}

  toSQL(): { sql: string; bindings: Knex.Value[] } {
    const columns = Object.keys(this.rows[0] ?? {}).sort();
    if (!columns.length) throw new Error(`an insert into ${this.table} needs rows with columns`);
    const bindings: Knex.Value[] = [];
    const values = this.rows.map((row) => {
      if (Object.keys(row).length !== columns.length)
        throw new Error(`every row inserted into ${this.table} has the same columns`);
      return columns
        .map((c) => {
          const v = row[c];
          if (v === undefined) {
            if (!(c in row)) throw new Error(`every row inserted into ${this.table} has the same columns`);
            return 'DEFAULT';
          }
          if (v instanceof SqlFragment) {
            bindings.push(...v.bindings);
            return v.sql;
          }
          bindings.push(v as Knex.Value);
          return '?';
        })
        .join(', ');
    });
    const returning = this.returning ? ` returning ${quoted(this.returning)}` : '';
    return {
      sql: `insert into ${quoted(this.table)} (${columns.map(quoted).join(', ')}) values (${values.join('), (')})${returning}`,
      bindings,
    };
  }

  /** The same rows sent on their own, through knex's builder. */
  send(db: Knex): Knex.QueryBuilder {
    const rows = this.rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, v instanceof SqlFragment ? db.raw(v.sql, [...v.bindings]) : v]),
      ),
    );
    const q = db(this.table).insert(rows);
    return this.returning ? q.returning(this.returning) : q;
  }
}

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
 *
 * With `guard`, the statement writes nothing unless its last part returns exactly one
 * row: it fails as a whole (`isGuardRefusal`, core/db/errors.ts) with `guard` as its
 * message. That lets a statement that commits by itself, outside a transaction, make
 * its writes depend on a condition (the run still owning its idempotency key).
 */
export async function withWrites<R>(
  db: Knex,
  writes: readonly (Knex.QueryBuilder | Insert)[],
  last: Knex.QueryBuilder | Insert,
  named: readonly NamedQuery[] = [],
  opts: { guard?: string; prepared?: boolean } = {},
): Promise<R[]> {
  const { guard } = opts;
  const reads = named.map((n) => ({ head: `${n.name} as materialized`, ...n.query.toSQL() }));
  const parts = [...writes, last].map((q) => q.toSQL());
  const main = parts.pop()!;
  const clauses = [...reads, ...parts.map((p, i) => ({ ...p, head: `w${i} as` }))];
  if (guard !== undefined) clauses.push({ ...main, head: 'guarded as' });
  const tail =
    guard === undefined
      ? main
      : { sql: 'select scenic_require(count(*) = 1, ?) as ok from guarded', bindings: [guard] };
  const sql = clauses.length
    ? `with ${clauses.map((c) => `${c.head} (${c.sql})`).join(', ')} ${tail.sql}`
    : tail.sql;
  const bindings = [...clauses.flatMap((c) => c.bindings), ...tail.bindings];
  const name = opts.prepared ? preparedName(sql) : undefined;
  if (name) return sendPrepared<R>(db, name, sql, bindings);
  const { rows } = await db.raw<{ rows: R[] }>(sql, bindings as readonly Knex.RawBinding[]);
  return rows;
}

/**
 * The name a statement is prepared under on each connection (Postgres then parses and
 * plans it once per connection, not once per order): the hash of its text, so a name
 * never stands for two texts. Each stays prepared on every connection of the pool, so
 * past MAX_PREPARED texts the rest are sent unprepared (`undefined`).
 */
function preparedName(sql: string): string | undefined {
  let name = names.get(sql);
  if (!name && names.size < MAX_PREPARED) {
    name = `scenic_${createHash('sha256').update(sql).digest('base64url').slice(0, 22)}`;
    names.set(sql, name);
  }
  return name;
}
const MAX_PREPARED = 64;
const names = new Map<string, string>();
