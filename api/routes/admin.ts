import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import { AreaDefinition, ChannelDefinition } from '../../core/catalog/definition.js';
import { upsertArea, upsertChannels } from '../../core/catalog/catalog.js';
import { setChannelPaused } from '../../core/inventory/switches.js';
import { audit, listAudit } from '../../core/audit/store.js';
import { reconcileAll } from '../../core/orders/reconcile.js';
import { actorName } from '../../core/orders/model.js';
import { PLATFORM, actorOf, allow, areaParam, type AppContext } from '../context.js';

const AuditQuery = z.object({
  subject: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().optional(),
});

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

/**
 * Admin endpoints: catalog, channel switches, audit trail, inventory repair. Each route
 * names its permission and where its area comes from (`allow`, api/context.ts).
 */
export function adminRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;

  r.put('/areas/:areaId', allow(ctx, 'areas.configure', areaParam()), async (req, res) => {
    const def = parseInput(AreaDefinition, { ...(req.body as object), id: req.params.areaId });
    await upsertArea(p.db, def);
    p.catalog.invalidate(def.id);
    await audit(p.db, actorOf(res), 'scenic.area.updated', def.id, {
      slots: def.slots.length,
      products: def.products.length,
    });
    res.json({ id: def.id, updated: true });
  });

  r.put('/channels', allow(ctx, 'channels.configure', PLATFORM), async (req, res) => {
    const defs = parseInput(z.array(ChannelDefinition).min(1).max(200), req.body);
    await upsertChannels(p.db, defs);
    p.catalog.invalidate();
    await audit(p.db, actorOf(res), 'scenic.channels.updated', 'channels', { ids: defs.map((d) => d.id) });
    res.json({ updated: defs.length });
  });

  r.post(
    '/areas/:areaId/channels/:channelId/:action',
    allow(ctx, 'channels.switch', areaParam()),
    async (req, res) => {
      const { areaId, channelId, action } = parseInput(
        z.object({ areaId: slug, channelId: slug, action: z.enum(['pause', 'resume']) }),
        req.params,
      );
      const { reason } = parseInput(z.object({ reason: z.string().min(1).max(200) }), req.body);
      await p.catalog.area(areaId);
      await p.catalog.channel(channelId);
      const actor = actorOf(res);
      await setChannelPaused(p.redis, {
        prefix: p.cfg.REDIS_PREFIX,
        areaId,
        channelId,
        paused: action === 'pause',
        actor: actorName(actor),
        reason,
        now: p.clock.now().getTime(),
      });
      await audit(p.db, actor, `scenic.channel.${action}d`, `${areaId}/${channelId}`, { reason }, { areaId });
      res.json({ areaId, channelId, paused: action === 'pause' });
    },
  );

  r.get('/audit', allow(ctx, 'audit.read', PLATFORM), async (req, res) => {
    const q = parseInput(AuditQuery, req.query);
    const items = await listAudit(p.db, q);
    res.json({ items, next: items.length === q.limit ? items.at(-1)!.id : null });
  });

  // an area's own trail, for its managers and finance (changes recorded with that area)
  r.get('/areas/:areaId/audit', allow(ctx, 'audit.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const q = parseInput(AuditQuery, req.query);
    const items = await listAudit(p.db, { ...q, areas: [areaId] });
    res.json({ items, next: items.length === q.limit ? items.at(-1)!.id : null });
  });

  r.get('/areas/:areaId/days/:date', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId, date } = parseInput(z.object({ areaId: slug, date: z.iso.date() }), req.params);
    res.json(await p.inventory.snapshot(areaId, date));
  });

  r.post('/inventory/reconcile', allow(ctx, 'system.operate', PLATFORM), async (_req, res) => {
    const reports = await reconcileAll(p.orders, await p.inventory.reservationDays());
    res.json({ reports });
  });

  return r;
}
