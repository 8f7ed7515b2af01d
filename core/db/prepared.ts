import type { Knex } from 'knex';

/** What a pooled pg client is to us: a prepared query with positional values. */
interface PgClient {
  __knexUid?: string;
  query(q: { name: string; text: string; values: readonly Knex.Value[] }): Promise<{ rows: unknown[] }>;
}

/** The parts of knex's client this module uses (knex types it loosely). */
interface KnexClient {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(c: PgClient): Promise<void>;
  emit(
    event: 'query',
    q: { method: 'raw'; sql: string; bindings: readonly Knex.Value[]; __knexUid?: string },
  ): boolean;
}

/** Values knex passes to pg as they are (an array or a builder would be expanded into the text). */
const isPlain = (v: Knex.Value) =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'number' ||
  typeof v === 'boolean' ||
  v instanceof Date ||
  Buffer.isBuffer(v);

/**
 * knex's text with `$n` for each `?`, per statement text: the texts are the few
 * prepared ones (one-statement.ts bounds them), so this stays as small.
 */
const positioned = new Map<string, string>();

/**
 * Runs a prepared statement (`name`, one text with `?` bindings) on a connection of the
 * pool by itself, without knex's runner (issue 19: building, compiling and re-scanning the
 * order's one long statement cost about a twentieth of the API's CPU per order, though
 * its text never changes). The text is knex's own (`toNative`, computed once); the
 * connection comes from and goes back to knex's pool, and knex's `query` event is
 * emitted as its runner would, so listeners (tests/orders/round-trips.test.ts) see the
 * statement. Inside a transaction, or with a binding knex would rewrite, knex runs it.
 */
export async function sendPrepared<R>(
  db: Knex,
  name: string,
  sql: string,
  bindings: readonly Knex.Value[],
): Promise<R[]> {
  if (db.isTransaction || !bindings.every(isPlain)) {
    const { rows } = await db
      .raw<{ rows: R[] }>(sql, bindings as readonly Knex.RawBinding[])
      .options({ name });
    return rows;
  }
  let text = positioned.get(sql);
  if (text === undefined) {
    text = db
      .raw(sql, bindings as readonly Knex.RawBinding[])
      .toSQL()
      .toNative().sql;
    positioned.set(sql, text);
  }
  const client = db.client as KnexClient;
  const conn = await client.acquireConnection();
  try {
    client.emit('query', { method: 'raw', sql, bindings, __knexUid: conn.__knexUid });
    const { rows } = await conn.query({ name, text, values: bindings });
    return rows as R[];
  } finally {
    await client.releaseConnection(conn);
  }
}
