import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import type { Platform } from '../core/platform.js';
import {
  subscribeInventoryEvents,
  LEVELS,
  type CapacityLevel,
  type ChannelSwitchEvent,
  type InventoryEvent,
  type LevelChangeEvent,
} from '../core/inventory/events.js';
import { areaName as nameOfArea, otherAreas } from '../core/catalog/catalog.js';
import { localParts } from '../core/time.js';
import { maskPhone } from '../core/pii/mask.js';
import { ALERT_SIGNATURE_HEADER, signAlert } from '../core/notify/alert-signature.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { inSpan, traceCarrier, type TraceCarrier } from '../core/telemetry/trace.js';
import { QUEUES, bullPrefix } from './queues.js';
import { loadRobots, type RobotTarget } from '../core/notify/robots.js';
import { deliverRobot, type AlertJobData, type AlertNotice } from './robots.js';

/**
 * The notifier: the data plane hears level changes and channel pauses first (they are
 * published from inside the selling Lua step); this worker turns them into
 *  - alert webhooks (SCENIC_ALERT_WEBHOOKS): every level change and channel switch, as JSON;
 *  - broadcast webhooks (SCENIC_BROADCAST_WEBHOOKS): the diversion text for LED screens
 *    and public address ("West Lake is crowded, visit Lingyin first") when an area
 *    reaches orange or red, and an all-clear when it drops back;
 *  - SMS to managers (SCENIC_ALERT_SMS_TO) through the platform's SmsSender, at orange
 *    and red;
 *  - robot deliveries (SCENIC_ALERT_ROBOTS: WeCom, DingTalk, Feishu, SMS) of Alertmanager
 *    notifications the alert relay enqueued (workers/robots.ts).
 * Each delivery is a BullMQ job (retries with exponential back-off, 4xx except 408/429
 * are permanent). Every worker replica subscribes; the job id is derived from the event
 * and the target, so N replicas enqueue one delivery. Job data carries the W3C trace
 * context, and requests carry `traceparent`, so a delivery joins the event's trace.
 */

const Target = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes'),
  url: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL'),
  /** HMAC-SHA256 key for `x-scenic-alert-signature` (core/notify/alert-signature.ts) */
  secret: z.string().min(16).optional(),
  /** only these areas (default: all) */
  areas: z.array(z.string()).optional(),
  /** only these events (default: both) */
  events: z.array(z.enum(['capacity-level', 'channel-switch'])).optional(),
});
export type WebhookTarget = z.output<typeof Target>;

const nameOf = (url: string) =>
  new URL(url).host
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'hook';

/** `[{name,url,secret?,areas?,events?}]` as JSON, or a comma-separated list of URLs. */
const Targets = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s?.trim()) return [];
    if (s.trim().startsWith('[')) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is neither a JSON array nor a list of URLs' });
        return z.NEVER;
      }
    }
    return s
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
      .map((url) => {
        try {
          return { name: nameOf(url), url };
        } catch {
          return { name: 'invalid', url };
        }
      });
  })
  .pipe(z.array(Target).max(20))
  .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'target names must be unique');

const Env = z.object({
  SCENIC_ALERT_WEBHOOKS: Targets,
  SCENIC_BROADCAST_WEBHOOKS: Targets,
  /** managers' mobile numbers, comma-separated */
  SCENIC_ALERT_SMS_TO: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.string().regex(/^1[3-9]\d{9}$/, 'mainland mobile numbers')).max(20)),
  SCENIC_NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
});

export interface NotifierConfig {
  alerts: WebhookTarget[];
  broadcasts: WebhookTarget[];
  smsTo: string[];
  /** robots Alertmanager notifications go to (through the alert relay) */
  robots?: RobotTarget[];
  attempts: number;
  /** first retry delay; doubles each attempt */
  backoffMs: number;
}

export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const e = parseInput(Env, env, 'invalid_config');
  return {
    alerts: e.SCENIC_ALERT_WEBHOOKS,
    broadcasts: e.SCENIC_BROADCAST_WEBHOOKS,
    smsTo: e.SCENIC_ALERT_SMS_TO,
    robots: loadRobots(env),
    attempts: e.SCENIC_NOTIFY_ATTEMPTS,
    backoffMs: 1_000,
  };
}

type Kind = 'webhook' | 'broadcast' | 'sms' | 'robot';

export interface NotifyJob {
  kind: Kind;
  target: string;
  event: LevelChangeEvent | ChannelSwitchEvent | AlertNotice;
  /** what is posted (webhooks) or the message text (sms); no personal data */
  body: Record<string, unknown>;
  /** robot jobs: the Alertmanager notification, digested */
  alert?: AlertJobData;
  trace: TraceCarrier;
}

const rank = (l: CapacityLevel) => LEVELS.indexOf(l);
const CROWDED = rank('orange');

/**
 * The diversion text of a level change, in English and Chinese, or undefined when the
 * change is not worth a broadcast (only crossing orange matters to people on site).
 */
export function diversionText(
  e: LevelChangeEvent,
  areaName: string,
  alternative: string | undefined,
): { text: string; textZh: string } | undefined {
  const up = rank(e.level) >= CROWDED && rank(e.level) > rank(e.previous);
  const down = rank(e.level) < CROWDED && rank(e.previous) >= CROWDED;
  if (up) {
    const full = e.level === 'red';
    return {
      text: `${areaName} is ${full ? 'full for today' : 'crowded'}${alternative ? `; please visit ${alternative} first` : ''}.`,
      textZh: `${areaName}${full ? '今日已满' : '游客较多'}${alternative ? `，建议先游览${alternative}` : ''}。`,
    };
  }
  if (down) return { text: `${areaName} is open as usual again.`, textZh: `${areaName}已恢复正常游览。` };
  return undefined;
}

/** The least crowded other area today (by share of capacity used), if any is below orange. */
async function alternativeTo(p: Platform, areaId: string): Promise<string | undefined> {
  const areas = await otherAreas(p.db, areaId);
  let best: { name: string; share: number } | undefined;
  for (const a of areas) {
    const snap = await p.inventory.snapshot(a.id, localParts(p.clock.now(), a.timezone).date);
    if (snap.initialised && rank(snap.level) >= CROWDED) continue;
    const share = snap.capacity ? snap.used / snap.capacity : 0;
    if (!best || share < best.share) best = { name: a.name, share };
  }
  return best?.name;
}

const jobIdOf = (kind: Kind, target: string, e: InventoryEvent) =>
  [
    kind,
    target,
    e.type,
    e.areaId,
    'date' in e ? e.date : '',
    'level' in e ? e.level : 'channelId' in e ? e.channelId : '',
    e.at,
  ]
    .join('_')
    .replace(/[^A-Za-z0-9_.-]/g, '-');

export interface RunningNotifier {
  readonly queue: Queue<NotifyJob>;
  close(): Promise<void>;
}

/** Starts the subscriber and the delivery worker. Does nothing when no target is configured. */
export async function startNotifier(
  p: Platform,
  cfg: NotifierConfig,
  metrics?: ScenicMetrics,
): Promise<RunningNotifier | undefined> {
  const robots = new Map((cfg.robots ?? []).map((r) => [r.name, r]));
  if (!cfg.alerts.length && !cfg.broadcasts.length && !cfg.smsTo.length && !robots.size) return undefined;
  const prefix = bullPrefix(p);
  const queue = new Queue<NotifyJob>(QUEUES.notify, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix,
  });
  const count = (kind: Kind, target: string, event: string, result: 'delivered' | 'retried' | 'failed') =>
    metrics?.add('scenic_notifications_total', 1, { kind, target, event, result });
  // failure series exist from the start, so alert expressions see 0, not nothing
  for (const [kind, ts, event] of [
    ['webhook', cfg.alerts, 'capacity-level'],
    ['broadcast', cfg.broadcasts, 'capacity-level'],
    ['robot', [...robots.values()], 'alert'],
  ] as const) {
    for (const t of ts)
      metrics?.add('scenic_notifications_total', 0, { kind, target: t.name, event, result: 'failed' });
  }

  const wants = (t: WebhookTarget, e: InventoryEvent) =>
    (!t.areas || t.areas.includes(e.areaId)) && (!t.events || t.events.includes(e.type as 'capacity-level'));
  const enqueue = (jobs: NotifyJob[], e: InventoryEvent) =>
    queue.addBulk(
      jobs.map((data) => ({
        name: `${data.kind}:${data.target}`,
        data,
        opts: {
          jobId: jobIdOf(data.kind, data.target, e),
          attempts: cfg.attempts,
          backoff: { type: 'exponential', delay: cfg.backoffMs },
          removeOnComplete: { age: 3_600, count: 10_000 },
          removeOnFail: { age: 7 * 86_400 },
        },
      })),
    );

  const onEvent = (e: InventoryEvent) =>
    inSpan(`notify ${e.type}`, { kind: 'producer', attributes: { 'scenic.area': e.areaId } }, async () => {
      if (e.type !== 'capacity-level' && e.type !== 'channel-switch') return;
      const jobs: NotifyJob[] = [];
      const trace = traceCarrier();
      const areaName = (await nameOfArea(p.db, e.areaId)) ?? e.areaId;
      for (const t of cfg.alerts)
        if (wants(t, e))
          jobs.push({ kind: 'webhook', target: t.name, event: e, body: { ...e, areaName }, trace });
      if (e.type === 'capacity-level') {
        if (cfg.broadcasts.length) {
          const text = diversionText(
            e,
            areaName,
            rank(e.level) >= CROWDED ? await alternativeTo(p, e.areaId) : undefined,
          );
          if (text)
            for (const t of cfg.broadcasts)
              if (wants(t, e))
                jobs.push({
                  kind: 'broadcast',
                  target: t.name,
                  event: e,
                  body: {
                    type: 'diversion',
                    areaId: e.areaId,
                    areaName,
                    date: e.date,
                    level: e.level,
                    ...text,
                    at: e.at,
                  },
                  trace,
                });
        }
        if (rank(e.level) >= CROWDED && rank(e.level) > rank(e.previous)) {
          const text = `[Scenic] ${areaName} ${e.date}: capacity ${e.level.toUpperCase()} (${e.used}/${e.capacity}).`;
          cfg.smsTo.forEach((_, i) =>
            jobs.push({ kind: 'sms', target: `sms-${i + 1}`, event: e, body: { text }, trace }),
          );
        }
      }
      if (jobs.length) await enqueue(jobs, e);
    }).catch((err: unknown) =>
      p.log.warn({ err, event: e.type, areaId: e.areaId }, 'could not enqueue notifications'),
    );

  const byName = new Map([...cfg.alerts, ...cfg.broadcasts].map((t) => [t.name, t]));
  const deliver = async (job: Job<NotifyJob>) => {
    const { kind, target, event } = job.data;
    await inSpan(
      `deliver ${kind}`,
      {
        parent: job.data.trace,
        kind: 'client',
        attributes: { 'scenic.target': target, 'scenic.event': event.type },
      },
      async () => {
        try {
          if (kind === 'robot') await deliverRobot(p, robots.get(target), job.data);
          else if (kind === 'sms') {
            const to = cfg.smsTo[Number(target.slice(4)) - 1];
            if (!to) throw new UnrecoverableError(`no sms recipient ${target}`);
            await p.sms.send(to, String(job.data.body.text)).catch((e: unknown) => {
              p.log.warn({ err: e, to: maskPhone(to) }, 'alert sms failed');
              throw e;
            });
          } else {
            const t = byName.get(target);
            if (!t) throw new UnrecoverableError(`webhook target ${target} is no longer configured`);
            await post(t, job, kind);
          }
          count(kind, target, event.type, 'delivered');
          metrics?.observe(
            'scenic_notification_delay_seconds',
            Math.max(0, (p.clock.now().getTime() - event.at) / 1000),
            { kind },
          );
        } catch (e) {
          const last = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          count(kind, target, event.type, last ? 'failed' : 'retried');
          if (last)
            p.log.warn(
              {
                err: e instanceof Error ? e.message : String(e),
                kind,
                target,
                event: event.type,
                areaId: event.areaId,
              },
              'notification failed for good',
            );
          throw e;
        }
      },
    );
  };
  const worker = new Worker<NotifyJob>(QUEUES.notify, deliver, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix,
    concurrency: 8,
  });
  worker.on('error', (e) => p.log.warn({ err: e.message }, 'notify worker error'));

  const subscriber = p.connectRedis({ prefixed: false });
  const unsubscribe = await subscribeInventoryEvents(subscriber, p.cfg.REDIS_PREFIX, (e) => void onEvent(e));
  p.log.info(
    {
      alerts: cfg.alerts.map((t) => t.name),
      broadcasts: cfg.broadcasts.map((t) => t.name),
      sms: cfg.smsTo.length,
      robots: [...robots.keys()],
    },
    'notifier listening',
  );
  return {
    queue,
    async close() {
      await unsubscribe().catch(() => undefined);
      await worker.close();
      await queue.close();
    },
  };
}

/** Posts a delivery; throws to retry, UnrecoverableError for answers retrying cannot fix. */
async function post(t: WebhookTarget, job: Job<NotifyJob>, kind: Kind): Promise<void> {
  const body = JSON.stringify(job.data.body);
  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'scenic-notifier/1',
    'x-scenic-event': kind === 'broadcast' ? 'diversion' : job.data.event.type,
    'x-scenic-delivery': job.id ?? '',
    'x-scenic-attempt': String(job.attemptsMade + 1),
    ...traceCarrier(),
  };
  if (t.secret) headers[ALERT_SIGNATURE_HEADER] = signAlert(t.secret, body, ts);
  let res: Response;
  try {
    res = await fetch(t.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    throw new Error(`webhook ${t.name} unreachable: ${e instanceof Error ? e.message : String(e)}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new UnrecoverableError(`webhook ${t.name} answered ${res.status}`);
  throw new Error(`webhook ${t.name} answered ${res.status}`);
}
