import type { Knex } from 'knex';
import type { AuditRow } from '../db/tables.js';
import { actorName, type Actor } from '../orders/model.js';

/**
 * The audit trail: every change of the books or the configuration writes one action
 * (`scenic.order.refunded`, `scenic.channel.paused`…), in the transaction of the change.
 */
export async function audit(
  db: Knex,
  actor: Actor,
  action: string,
  subject: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await db('audit_log').insert({ actor: actorName(actor), action, subject, data: JSON.stringify(data) });
}

/** A page of the trail, newest first, optionally of one subject (`before`: the last id of the previous page). */
export function listAudit(
  db: Knex,
  q: { subject?: string; limit: number; before?: number },
): Promise<AuditRow[]> {
  let rows = db('audit_log').orderBy('id', 'desc').limit(q.limit);
  if (q.subject) rows = rows.where({ subject: q.subject });
  if (q.before) rows = rows.andWhere('id', '<', q.before);
  return rows;
}
