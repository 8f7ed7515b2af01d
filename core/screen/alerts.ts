import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AlertmanagerWebhook } from '../notify/alertmanager.js';
import type { OpenAlertRow } from '../db/tables.js';
import type { ScreenAlert } from './model.js';

/**
 * Open alerts for the crowd screen (issue 21). Alertmanager's notifications reach the API
 * only through the alert relay (api/alert-relay.ts), and every chart route ends in a relay
 * receiver (`alerting.defaultRobots` catches the rest), so the relay records each alert it
 * is told about here before queueing the robots' messages. An alert instance is its
 * fingerprint and `startsAt`: a resolution wins over any firing of the same instance,
 * whatever order the two arrive in (two receivers, retries).
 */

/** A firing alert not repeated for this long is not shown: the relay missed its resolution. */
export const ALERT_STALE_MS = 5 * 3_600_000; // the chart's repeatInterval (4h) plus an hour
/** Resolved alerts are kept this long, then deleted at the next write. */
const KEEP_RESOLVED_MS = 7 * 86_400_000;
/** At most this many alerts on a screen. */
export const MAX_SCREEN_ALERTS = 12;

const SEVERITIES = ['info', 'warning', 'critical'] as const;
const severityOf = (s: string | undefined): ScreenAlert['severity'] =>
  (SEVERITIES as readonly string[]).includes(s ?? '') ? (s as ScreenAlert['severity']) : 'warning';

/** Alertmanager's fingerprint, or one made of the sorted labels when it sent none. */
function fingerprintOf(a: AlertmanagerWebhook['alerts'][number]): string {
  if (a.fingerprint) return a.fingerprint;
  const labels = Object.entries(a.labels).sort(([x], [y]) => x.localeCompare(y));
  return createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
}

/** Records every alert of a notification (idempotent: a repeat changes nothing but `last_seen_at`). */
export async function recordAlerts(db: Knex, w: AlertmanagerWebhook, now: Date): Promise<void> {
  const rows: OpenAlertRow[] = w.alerts.map((a) => ({
    fingerprint: fingerprintOf(a),
    starts_at: new Date(a.startsAt),
    name: (a.labels.alertname ?? 'alert').slice(0, 200),
    severity: severityOf(a.labels.severity),
    area_id: a.labels.area ?? w.commonLabels.area ?? null,
    summary: (a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? '').slice(0, 500),
    summary_zh: a.annotations.summary_zh?.slice(0, 500) ?? null,
    status: a.status,
    ends_at: a.status === 'resolved' && a.endsAt ? new Date(a.endsAt) : null,
    last_seen_at: now,
  }));
  // one row per instance in one statement (Postgres refuses a row twice in one upsert)
  const unique = [
    ...new Map(rows.map((r) => [`${r.fingerprint}\0${r.starts_at.toISOString()}`, r])).values(),
  ];
  await db.transaction(async (trx) => {
    await trx('open_alerts')
      .insert(unique)
      .onConflict(['fingerprint', 'starts_at'])
      .merge({
        // resolved stays resolved: a late repeat of the firing does not reopen it
        status: trx.raw(
          "case when open_alerts.status = 'resolved' then 'resolved' else excluded.status end",
        ) as unknown as 'firing',
        ends_at: trx.raw('coalesce(open_alerts.ends_at, excluded.ends_at)') as unknown as Date,
        summary: trx.raw('excluded.summary') as unknown as string,
        summary_zh: trx.raw('excluded.summary_zh') as unknown as string,
        severity: trx.raw('excluded.severity') as unknown as string,
        last_seen_at: trx.raw('greatest(open_alerts.last_seen_at, excluded.last_seen_at)') as unknown as Date,
      });
    await trx('open_alerts')
      .where({ status: 'resolved' })
      .andWhere('last_seen_at', '<', new Date(now.getTime() - KEEP_RESOLVED_MS))
      .delete();
  });
}

/**
 * The alerts firing now that concern an area: its own (`area` label) and platform-wide
 * ones (no `area` label), never another area's; most severe first, then oldest.
 */
export async function openAlerts(db: Knex, areaId: string, now: Date): Promise<ScreenAlert[]> {
  const rows: OpenAlertRow[] = await db('open_alerts')
    .where({ status: 'firing' })
    .andWhere((q) => void q.where({ area_id: areaId }).orWhereNull('area_id'))
    .andWhere('last_seen_at', '>=', new Date(now.getTime() - ALERT_STALE_MS))
    .orderByRaw("case severity when 'critical' then 0 when 'warning' then 1 else 2 end")
    .orderBy([
      { column: 'starts_at', order: 'asc' },
      { column: 'fingerprint', order: 'asc' },
    ])
    .limit(MAX_SCREEN_ALERTS);
  return rows.map((r) => ({
    id: `${r.fingerprint}@${r.starts_at.toISOString()}`,
    name: r.name,
    severity: severityOf(r.severity),
    summary: r.summary || r.name,
    summaryZh: r.summary_zh,
    since: r.starts_at.toISOString(),
  }));
}
