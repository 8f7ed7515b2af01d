import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { notFound, unauthenticated } from '../core/errors.js';
import { parseInput } from '../core/validation.js';
import { AlertmanagerWebhook } from '../core/notify/alertmanager.js';
import { recordAlerts } from '../core/screen/alerts.js';
import { loadRobots } from '../core/notify/robots.js';
import type { Platform } from '../core/platform.js';
import { QUEUES, bullPrefix } from '../workers/queues.js';
import { enqueueAlert } from '../workers/robots.js';
import type { NotifyJob } from '../workers/notifier.js';
import type { Feature } from './features.js';

/**
 * The alert relay (issue 21): Alertmanager cannot post the formats of WeCom, DingTalk or
 * Feishu robots, nor sign for them, so every receiver of the chart's Alertmanager
 * configuration is a `webhook_configs` entry pointing here:
 *
 *   POST /alerts/v1/relay/<robot>   Authorization: Bearer $SCENIC_ALERT_RELAY_TOKEN
 *        body: Alertmanager's webhook JSON (version 4) → 202 {robot, queued}
 *
 * The notification is validated, digested and put on the `notify` queue, one job per
 * robot (per number for SMS), so retries, back-off and dead letters are the ones every
 * notification has; the worker formats and signs at delivery (workers/robots.ts). Its
 * alerts are also recorded as open or resolved for the crowd screen (core/screen/alerts.ts).
 * Without SCENIC_ALERT_RELAY_TOKEN the route does not exist.
 */

const Env = z.object({
  SCENIC_ALERT_RELAY_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  SCENIC_NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
});

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function relay(p: Platform, env: NodeJS.ProcessEnv) {
  const cfg = parseInput(Env, env, 'invalid_config');
  const robots = new Map(loadRobots(env).map((r) => [r.name, r]));
  const token = cfg.SCENIC_ALERT_RELAY_TOKEN;
  let queue: Queue<NotifyJob> | undefined;
  const notify = () =>
    (queue ??= new Queue<NotifyJob>(QUEUES.notify, {
      connection: p.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(p),
    }));
  /** before the body is read: a caller without the token gets nothing parsed */
  const authorise = (req: Request, _res: Response, next: NextFunction) =>
    next(
      token && sameSecret(req.headers.authorization ?? '', `Bearer ${token}`)
        ? undefined
        : unauthenticated('bad_credentials', 'the alert relay needs its bearer token'),
    );
  const handle = async (req: Request, res: Response) => {
    const name = String(req.params.robot);
    const robot = robots.get(name);
    if (!robot) throw notFound('robot_not_found', `no robot ${name.slice(0, 60)} in SCENIC_ALERT_ROBOTS`);
    const w = parseInput(AlertmanagerWebhook, req.body, 'invalid_alert_notification');
    // the crowd screen's open alerts: recorded before the robots' jobs, idempotently (a
    // notification reaches several receivers, and Alertmanager retries)
    await recordAlerts(p.db, w, p.clock.now());
    const queued = await enqueueAlert(notify(), robot, w, {
      now: p.clock.now(),
      attempts: cfg.SCENIC_NOTIFY_ATTEMPTS,
      backoffMs: 1_000,
    });
    res.status(202).json({ robot: robot.name, queued });
  };
  return { enabled: !!token, authorise, handle };
}

export const alertRelayFeature: Feature = {
  name: 'alert-relay',
  early(app: Express, ctx) {
    const r = relay(ctx.platform, process.env);
    if (!r.enabled) return;
    // a notification of 1,000 alerts (the most the schema takes) stays well under 1 MB
    app.post(
      '/alerts/v1/relay/:robot',
      r.authorise,
      express.json({ limit: '1mb' }),
      (req: Request, res: Response, next: NextFunction) => {
        r.handle(req, res).catch(next);
      },
    );
  },
};
