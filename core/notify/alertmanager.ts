import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Alertmanager's webhook payload (version 4, `webhook_configs`), what the alert relay
 * keeps of it, and the human text of a notification. Pure: the relay endpoint
 * (api/alert-relay.ts) validates and digests, the notify worker renders at delivery
 * (workers/robots.ts), so a retry an hour later still signs and formats afresh.
 */

/** Bounded string maps: label and annotation sets as Alertmanager sends them. */
const StringMap = z
  .record(z.string().max(200), z.string().max(4_000))
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 entries');

const Status = z.enum(['firing', 'resolved']);

const Alert = z.object({
  status: Status,
  labels: StringMap,
  annotations: StringMap.default({}),
  startsAt: z.string().datetime({ offset: true }),
  // firing alerts carry the zero time 0001-01-01T00:00:00Z
  endsAt: z.string().datetime({ offset: true }).optional(),
  generatorURL: z.string().max(2_048).optional(),
  fingerprint: z.string().max(64).optional(),
});

/** Unknown fields are ignored (Alertmanager may add some); the known ones must be right. */
export const AlertmanagerWebhook = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1).max(4_096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: Status,
  receiver: z.string().max(256),
  groupLabels: StringMap,
  commonLabels: StringMap,
  commonAnnotations: StringMap.default({}),
  externalURL: z.string().max(2_048).default(''),
  alerts: z.array(Alert).min(1).max(1_000),
});
export type AlertmanagerWebhook = z.output<typeof AlertmanagerWebhook>;

/** At most this many alerts of a group are kept and shown; the rest are counted. */
export const MAX_ALERTS_SHOWN = 10;

export interface AlertLine {
  status: 'firing' | 'resolved';
  name: string;
  severity: string;
  /** the labels that say where: area, day, entrance, queue, pod */
  where: Record<string, string>;
  summary: string;
  summaryZh?: string;
  startsAt: string;
  endsAt?: string;
}

/** What a notification job carries: no URLs of ours, no personal data, bounded. */
export interface AlertDigest {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  severity: string;
  area?: string;
  alerts: AlertLine[];
  /** alerts of the group not shown (beyond MAX_ALERTS_SHOWN, or truncated by Alertmanager) */
  more: number;
  firing: number;
  resolved: number;
}

const WHERE = ['area', 'day', 'entrance', 'queue', 'pod'] as const;
const SEVERITY_RANK = ['info', 'warning', 'critical'];
const higher = (a: string, b: string) => (SEVERITY_RANK.indexOf(a) >= SEVERITY_RANK.indexOf(b) ? a : b);

/** Keeps what a message needs of an Alertmanager notification (firing first). */
export function digestAlerts(w: AlertmanagerWebhook): AlertDigest {
  const sorted = [...w.alerts].sort((a, b) =>
    a.status === b.status ? a.startsAt.localeCompare(b.startsAt) : a.status === 'firing' ? -1 : 1,
  );
  const lines = sorted.slice(0, MAX_ALERTS_SHOWN).map((a): AlertLine => ({
    status: a.status,
    name: a.labels.alertname ?? 'alert',
    severity: a.labels.severity ?? 'warning',
    where: Object.fromEntries(WHERE.flatMap((k) => (a.labels[k] ? [[k, a.labels[k]]] : []))),
    summary: a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? '',
    ...(a.annotations.summary_zh ? { summaryZh: a.annotations.summary_zh } : {}),
    startsAt: a.startsAt,
    ...(a.status === 'resolved' && a.endsAt ? { endsAt: a.endsAt } : {}),
  }));
  const firing = w.alerts.filter((a) => a.status === 'firing');
  return {
    status: w.status,
    groupLabels: w.groupLabels,
    severity: (firing.length ? firing : w.alerts).map((a) => a.labels.severity ?? 'warning').reduce(higher),
    ...(w.commonLabels.area ? { area: w.commonLabels.area } : {}),
    alerts: lines,
    more: w.alerts.length - lines.length + w.truncatedAlerts,
    firing: firing.length,
    resolved: w.alerts.length - firing.length,
  };
}

/**
 * A stable id for one notification to one robot: the same notification retried by
 * Alertmanager (or sent by both members of an HA pair) becomes one delivery.
 */
export function notificationKey(robot: string, w: AlertmanagerWebhook): string {
  const h = createHash('sha256').update(robot).update('\0').update(w.groupKey).update('\0').update(w.status);
  for (const a of [...w.alerts].sort((x, y) => (x.fingerprint ?? '').localeCompare(y.fingerprint ?? '')))
    h.update('\0')
      .update(a.fingerprint ?? JSON.stringify(a.labels))
      .update(a.status)
      .update(a.startsAt)
      .update(a.endsAt ?? '');
  return h.digest('hex').slice(0, 32);
}

const STATUS_WORDS = { firing: '告警 FIRING', resolved: '恢复 RESOLVED' } as const;

/** `2026-12-01 09:30` in the given time zone (the park's, by default Asia/Shanghai). */
export function wallTime(iso: string, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The one-line title: status, alert name(s), and where. */
export function alertTitle(d: AlertDigest): string {
  const names = [...new Set(d.alerts.map((a) => a.name))];
  const where = [d.groupLabels.area ?? d.area, d.groupLabels.day].filter(Boolean).join(' ');
  const count = d.firing + d.resolved > 1 ? ` ×${d.firing + d.resolved}` : '';
  return `[Scenic ${STATUS_WORDS[d.status]}] ${names.join(', ')}${where ? ` · ${where}` : ''}${count}`;
}

/** Where an alert is, as `area west-lake · day 2026-12-01`. */
export const whereText = (a: AlertLine) =>
  Object.entries(a.where)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');

/** When: started (and ended, once resolved) in wall time. */
export function whenText(a: AlertLine, timeZone: string): string {
  const start = `开始 since ${wallTime(a.startsAt, timeZone)}`;
  return a.status === 'resolved' && a.endsAt
    ? `${start} · 结束 ended ${wallTime(a.endsAt, timeZone)}`
    : start;
}

/** The text of each alert: Chinese first when the rule has it, then English. */
export const summaryLines = (a: AlertLine): string[] =>
  a.summaryZh && a.summaryZh !== a.summary ? [a.summaryZh, a.summary] : [a.summary];

/** Plain text of a whole notification (robots' `text` format, SMS). */
export function plainText(d: AlertDigest, timeZone: string): string {
  const parts = [alertTitle(d)];
  for (const a of d.alerts) {
    parts.push(
      '',
      `${a.status === 'firing' ? '●' : '○'} ${a.name} (${a.severity})${a.where && Object.keys(a.where).length ? ` ${whereText(a)}` : ''}`,
      ...summaryLines(a),
      whenText(a, timeZone),
    );
  }
  if (d.more) parts.push('', `…另有 ${d.more} 条 / ${d.more} more`);
  return parts.join('\n');
}

/** Cuts a UTF-8 string to at most `max` bytes without splitting a character. */
export function truncateBytes(s: string, max: number, marker = '\n…'): string {
  if (Buffer.byteLength(s) <= max) return s;
  const room = max - Buffer.byteLength(marker);
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > room) break;
    out += ch;
    bytes += n;
  }
  return out + marker;
}
