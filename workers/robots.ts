import { UnrecoverableError, type Queue } from 'bullmq';
import type { Platform } from '../core/platform.js';
import {
  digestAlerts,
  notificationKey,
  type AlertDigest,
  type AlertmanagerWebhook,
} from '../core/notify/alertmanager.js';
import { robotAnswer, robotRequest, smsText, type RobotTarget } from '../core/notify/robots.js';
import { maskPhone } from '../core/pii/mask.js';
import { traceCarrier } from '../core/telemetry/trace.js';
import type { NotifyJob } from './notifier.js';

/**
 * Alertmanager notifications on the `notify` queue (issue 21). The alert relay
 * (api/alert-relay.ts) enqueues one job per robot (per number for SMS); the notify
 * worker delivers it here, formatting and signing at delivery time, with the queue's
 * retries, back-off and dead letters shared with every other notification.
 */

/** What the notify queue's job data says about an alert notification. */
export interface AlertNotice {
  type: 'alert';
  /** the area the alerts have in common, '' when they span areas or have none */
  areaId: string;
  at: number;
}

export interface AlertJobData {
  digest: AlertDigest;
  /** SMS: which of the robot's numbers */
  to?: number;
}

/**
 * How long an identical notification is one delivery: Alertmanager retrying a POST, or both
 * members of an HA pair sending it, land within seconds; a repeat (repeat_interval, hours)
 * is a new message. A deduplication key with a time to live rather than a fixed job id, so
 * a completed job kept by the queue cannot swallow the repeat.
 */
const SAME_NOTIFICATION_MS = 10 * 60_000;

/** Enqueues a notification for one robot (one job per number for SMS). */
export async function enqueueAlert(
  queue: Queue<NotifyJob>,
  robot: RobotTarget,
  w: AlertmanagerWebhook,
  o: { now: Date; attempts: number; backoffMs: number },
): Promise<number> {
  const digest = digestAlerts(w);
  const key = notificationKey(robot.name, w);
  const event: AlertNotice = { type: 'alert', areaId: digest.area ?? '', at: o.now.getTime() };
  const trace = traceCarrier();
  const slots = robot.kind === 'sms' ? robot.to.map((_, i) => i) : [undefined];
  await queue.addBulk(
    slots.map((to) => ({
      name: `robot:${robot.name}`,
      data: {
        kind: 'robot',
        target: robot.name,
        event,
        body: {},
        alert: { digest, ...(to === undefined ? {} : { to }) },
        trace,
      } satisfies NotifyJob,
      opts: {
        deduplication: {
          id: `robot_${robot.name}_${key}${to === undefined ? '' : `_${to}`}`,
          ttl: SAME_NOTIFICATION_MS,
        },
        attempts: o.attempts,
        backoff: { type: 'exponential', delay: o.backoffMs },
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })),
  );
  return slots.length;
}

/**
 * Delivers one robot job: throws to retry, UnrecoverableError for what retrying cannot
 * fix (a wrong key or secret, a refused format). Robot URLs hold credentials: never logged.
 */
export async function deliverRobot(
  p: Platform,
  robot: RobotTarget | undefined,
  data: NotifyJob,
): Promise<void> {
  if (!robot) throw new UnrecoverableError(`robot ${data.target} is not configured on this worker`);
  const alert = data.alert;
  if (!alert) throw new UnrecoverableError('robot job without an alert');
  if (robot.kind === 'sms') {
    const to = robot.to[alert.to ?? -1];
    if (!to) throw new UnrecoverableError(`robot ${robot.name} has no number ${alert.to}`);
    await p.sms.send(to, smsText(alert.digest)).catch((e: unknown) => {
      p.log.warn({ err: e, robot: robot.name, to: maskPhone(to) }, 'alert sms failed');
      throw e;
    });
    return;
  }
  const req = robotRequest(robot, alert.digest, p.clock.now());
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'scenic-alert-relay/1' },
      body: JSON.stringify(req.body),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (e) {
    throw new Error(`robot ${robot.name} unreachable: ${e instanceof Error ? e.message : String(e)}`);
  }
  const answer = robotAnswer(robot.kind, res.status, await res.text().catch(() => ''));
  if (answer.ok) return;
  const why = `robot ${robot.name} (${robot.kind}) answered ${answer.code} ${answer.message}`;
  throw answer.retry ? new Error(why) : new UnrecoverableError(why);
}
