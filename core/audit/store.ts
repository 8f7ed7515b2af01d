import type { Knex } from 'knex';
import type { AuditRow } from '../db/tables.js';
import { actorName, type Actor } from '../orders/model.js';
import { Insert } from '../db/one-statement.js';

/**
 * The audit trail: every change of the books or the configuration writes one action
 * (`scenic.order.refunded`, `scenic.channel.paused`…), in the transaction of the change:
 * who (the actor), when, what (action, subject, data), the area it belongs to, and for an
 * update the state before and after it ({@link auditChange}, {@link auditedUpdate}).
 */
export interface AuditExtra {
  /** the area the change belongs to (an area's managers read their area's trail) */
  areaId?: string | null;
  /** the state before the change (null: it did not exist) */
  before?: unknown;
  /** the state after it (null: it is gone) */
  after?: unknown;
}

const jsonOrNull = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export async function audit(
  db: Knex,
  actor: Actor,
  action: string,
  subject: string,
  data: Record<string, unknown> = {},
  extra: AuditExtra = {},
): Promise<void> {
  await auditInsert(actor, action, subject, data, extra).send(db);
}

/** The insert `audit` sends, unsent: for a caller that sends it with other writes as one statement. */
export function auditInsert(
  actor: Actor,
  action: string,
  subject: string,
  data: Record<string, unknown> = {},
  extra: AuditExtra = {},
): Insert {
  return new Insert('audit_log', [
    {
      actor: actorName(actor),
      action,
      subject,
      data: JSON.stringify(data),
      area_id: extra.areaId ?? null,
      before: jsonOrNull(extra.before),
      after: jsonOrNull(extra.after),
    },
  ]);
}

/** Records a change with its before and after state. */
export function auditChange(
  db: Knex,
  actor: Actor,
  change: { action: string; subject: string; areaId?: string | null; before: unknown; after: unknown },
  data: Record<string, unknown> = {},
): Promise<void> {
  return audit(db, actor, change.action, change.subject, data, change);
}

/**
 * An update with its trail, in one transaction: reads the state (`load`), applies the
 * change (`apply`), reads it again and records both. `load` returns what a reader of the
 * trail should see (a view, never a secret).
 */
export async function auditedUpdate<S, R>(
  db: Knex,
  actor: Actor,
  change: { action: string; subject: string; areaId?: string | null },
  steps: {
    load: (trx: Knex.Transaction) => Promise<S>;
    apply: (trx: Knex.Transaction, before: S) => Promise<R>;
  },
  data: Record<string, unknown> = {},
): Promise<{ before: S; after: S; result: R }> {
  return db.transaction(async (trx) => {
    const before = await steps.load(trx);
    const result = await steps.apply(trx, before);
    const after = await steps.load(trx);
    await auditChange(trx, actor, { ...change, before, after }, data);
    return { before, after, result };
  });
}

/**
 * A page of the trail, newest first, optionally of one subject or of some areas
 * (`before`: the last id of the previous page).
 */
export function listAudit(
  db: Knex,
  q: { subject?: string; limit: number; before?: number; areas?: readonly string[] },
): Promise<AuditRow[]> {
  let rows = db('audit_log').orderBy('id', 'desc').limit(q.limit);
  if (q.subject) rows = rows.where({ subject: q.subject });
  if (q.areas) rows = rows.whereIn('area_id', [...q.areas]);
  if (q.before) rows = rows.andWhere('id', '<', q.before);
  return rows;
}
