import { Router } from 'express';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import {
  PartnerInput,
  issueCredential,
  revokeCredential,
  setPartnerStatus,
  upsertPartner,
} from '../core/channels/partners.js';
import { settlementCsv, settlementStatement } from '../core/channels/settlement.js';
import { WEBHOOK_QUEUE, listDeliveries, replayDelivery } from '../core/channels/webhooks.js';
import { channelStates, setChannelEnabled } from '../core/channels/registry.js';
import { pausedChannels } from '../core/inventory/switches.js';
import { PLATFORM, actorOf, allow, areaParam, type AppContext } from './context.js';
import { bullPrefix } from '../workers/queues.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const queues = new WeakMap<AppContext, Queue>();

/**
 * Admin side of channels and partners (`/v1/admin/...`): partners and their keys, webhook
 * deliveries and replay (`partners.manage`), settlement statements of any partner
 * (`settlements.read`) — all platform-wide, so for callers scoped to every area — the
 * effective channel states of one area (`stock.read`) and the registry's on/off switch.
 */
export function partnerAdminRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const guard = allow(ctx, 'partners.manage', PLATFORM);
  const webhookQueue = () => {
    let q = queues.get(ctx);
    if (!q) {
      q = new Queue(WEBHOOK_QUEUE, {
        connection: p.connectRedis({ prefixed: false, forQueues: true }),
        prefix: bullPrefix(p),
      });
      queues.set(ctx, q);
    }
    return q;
  };

  r.put('/partners/:id', guard, async (req, res) => {
    const input = parseInput(PartnerInput, { ...(req.body as object), id: req.params.id });
    const partner = await upsertPartner(p.db, actorOf(res), input);
    p.catalog.invalidate();
    res.json(partner);
  });

  r.post('/partners/:id/status', guard, async (req, res) => {
    const { status } = parseInput(z.object({ status: z.enum(['active', 'suspended']) }), req.body);
    await setPartnerStatus(p.db, actorOf(res), String(req.params.id), status);
    res.json({ id: req.params.id, status });
  });

  r.post('/partners/:id/keys', guard, async (req, res) => {
    const { overlapSeconds } = parseInput(
      z.object({
        overlapSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86400)
          .optional(),
      }),
      req.body ?? {},
    );
    res.status(201).json(
      await issueCredential(
        p.db,
        p.vault,
        actorOf(res),
        String(req.params.id),
        p.clock.now(),
        // without one, the configured overlap: old keys never stay valid forever (#17.18)
        overlapSeconds ?? p.cfg.SCENIC_KEY_OVERLAP_SECONDS,
      ),
    );
  });

  r.delete('/partners/:id/keys/:keyId', guard, async (req, res) => {
    await revokeCredential(p.db, actorOf(res), String(req.params.keyId), p.clock.now());
    res.status(204).end();
  });

  r.get('/partners/:id/settlements/:date', allow(ctx, 'settlements.read', PLATFORM), async (req, res) => {
    const { id, date } = parseInput(
      z.object({ id: slug, date: z.string().regex(/^\d{4}-\d{2}-\d{2}(\.csv)?$/) }),
      req.params,
    );
    const s = await settlementStatement(p.db, id, date.slice(0, 10));
    if (date.endsWith('.csv')) res.type('text/csv; charset=utf-8').send(settlementCsv(s));
    else res.json(s);
  });

  r.get('/webhooks/deliveries', guard, async (req, res) => {
    const q = parseInput(
      z.object({
        partnerId: slug.optional(),
        status: z.enum(['pending', 'delivered', 'dead']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      req.query,
    );
    res.json({ items: await listDeliveries(p.db, q) });
  });

  r.post('/webhooks/deliveries/:id/replay', guard, async (req, res) => {
    const { id } = parseInput(z.object({ id: z.uuid() }), req.params);
    const out = await replayDelivery(p.db, actorOf(res), id, p.clock.now());
    // if Redis refuses now, the worker's sweeper enqueues the pending delivery later
    await webhookQueue()
      .add(
        'deliver',
        { deliveryId: id },
        {
          jobId: out.jobId,
          attempts: 12,
          backoff: { type: 'exponential', delay: 5_000 },
          removeOnComplete: 1000,
          removeOnFail: 5000,
        },
      )
      .catch((e: unknown) => p.log.warn({ err: e, id }, 'replay not enqueued; the sweeper will'));
    res.status(202).json({ id, status: 'pending', jobId: out.jobId });
  });

  r.get('/areas/:areaId/channel-states', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const { date } = parseInput(z.object({ date: z.iso.date() }), req.query);
    const [area, channels, snap, paused] = await Promise.all([
      p.catalog.area(areaId),
      p.catalog.channels(),
      p.inventory.snapshot(areaId, date),
      pausedChannels(p.redis, areaId),
    ]);
    res.json({
      areaId,
      date,
      level: snap.level,
      channels: channelStates(area, snap, [...channels.values()], new Set(paused), p.clock.now()),
    });
  });

  r.post('/channels/:channelId/:action', allow(ctx, 'channels.configure', PLATFORM), async (req, res) => {
    const { channelId, action } = parseInput(
      z.object({ channelId: slug, action: z.enum(['enable', 'disable']) }),
      req.params,
    );
    const { reason } = parseInput(z.object({ reason: z.string().min(1).max(200) }), req.body);
    await setChannelEnabled(p.db, actorOf(res), channelId, action === 'enable', reason);
    p.catalog.invalidate();
    res.json({ channelId, enabled: action === 'enable' });
  });

  return r;
}
