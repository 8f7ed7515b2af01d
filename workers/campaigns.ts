import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { runCampaign, type DeliveryDeps, type RunResult } from '../core/campaigns/delivery.js';
import { returnLapsedCoupons } from '../core/campaigns/coupons.js';
import { evaluateWeatherRules, QWeatherSource, type WeatherSource } from '../core/campaigns/weather.js';
import { WechatSubscribeMessage, type MiniProgramSender } from '../core/notify/mini-program.js';
import { bullPrefix, QUEUES, startSweepingWorker } from './queues.js';

/**
 * campaigns (issue 22): `run` delivers a started campaign (core/campaigns/delivery.ts —
 * idempotent per member, resumable; quiet hours come back as a delayed `run` at their
 * end); `sweep` (scheduled) gives back the coupons of lapsed or refunded orders and
 * evaluates the weather rules (once per rule and weekend).
 */
export type CampaignsJob = { kind: 'run'; campaignId: string } | { kind: 'sweep' };

export interface CampaignAdapters {
  mini?: MiniProgramSender;
  weather?: WeatherSource;
}

/** The adapters the configuration names (the mini-program and the weather are optional). */
export function campaignAdapters(p: Platform): CampaignAdapters {
  const c = p.cfg;
  return {
    mini:
      c.SCENIC_WECHAT_MP_APPID && c.SCENIC_WECHAT_MP_SECRET
        ? new WechatSubscribeMessage({
            appId: c.SCENIC_WECHAT_MP_APPID,
            secret: c.SCENIC_WECHAT_MP_SECRET,
            baseUrl: c.SCENIC_WECHAT_MP_API,
            clock: p.clock,
          })
        : undefined,
    weather:
      c.SCENIC_WEATHER_API && c.SCENIC_WEATHER_KEY
        ? new QWeatherSource({ baseUrl: c.SCENIC_WEATHER_API, key: c.SCENIC_WEATHER_KEY })
        : undefined,
  };
}

export function campaignsQueue(p: Platform): Queue<CampaignsJob> {
  return new Queue<CampaignsJob>(QUEUES.campaigns, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
  });
}

/** Queues a campaign's delivery now, or at `at` (the end of quiet hours); one job per campaign and instant. */
export async function queueCampaignRun(q: Queue<CampaignsJob>, p: Platform, campaignId: string, at?: Date) {
  const delay = at ? Math.max(0, at.getTime() - p.clock.now().getTime()) : 0;
  await q.add(
    'run',
    { kind: 'run', campaignId },
    {
      jobId: `run:${campaignId}:${at ? at.getTime() : 'now'}`,
      delay,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    },
  );
}

export function campaignsProcessor(p: Platform, adapters: CampaignAdapters = campaignAdapters(p)) {
  const deps = (): DeliveryDeps => ({
    db: p.db,
    vault: p.vault,
    sms: p.sms,
    mini: adapters.mini,
    log: p.log,
    clock: p.clock,
    publicUrl: p.orders.publicUrl,
  });
  return async (job: Job<CampaignsJob>): Promise<RunResult | Record<string, unknown>> => {
    const q = campaignsQueue(p);
    try {
      if (job.data.kind === 'run') {
        const r = await runCampaign(deps(), job.data.campaignId);
        // deferred messages: the campaign comes back when the quiet hours end
        if (r.nextAt) await queueCampaignRun(q, p, job.data.campaignId, r.nextAt);
        return r;
      }
      const returned = await returnLapsedCoupons(p.db, p.clock.now());
      const weather = adapters.weather
        ? await evaluateWeatherRules(p.db, adapters.weather, p.clock.now(), (id) =>
            queueCampaignRun(q, p, id),
          )
        : { fired: [] };
      return { returned, fired: weather.fired };
    } finally {
      await q.close();
    }
  };
}

/** The processor and its sweep every `everyMs`; close both on shutdown. */
export async function startCampaigns(p: Platform, everyMs = 60_000): Promise<{ close(): Promise<void> }> {
  // one at a time: sends to one member are serialised anyway, and the send limit holds
  return startSweepingWorker(
    p,
    QUEUES.campaigns,
    campaignsProcessor(p),
    campaignsQueue(p),
    { kind: 'sweep' },
    everyMs,
  );
}
