import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import { ChannelDefinition } from '../../core/catalog/definition.js';
import { upsertChannels } from '../../core/catalog/catalog.js';
import { adminAreaView, defineArea } from '../../core/catalog/define.js';
import { declarationOf, releaseAreaBinding } from '../../core/catalog/declare.js';
import { announceCatalogChange } from '../../core/catalog/events.js';
import { propagateAreaChange } from '../../core/catalog/propagate.js';
import { notFound } from '../../core/errors.js';
import { setManualPause } from '../../core/inventory/switches.js';
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

  const propagation = { db: p.db, redis: p.redis, prefix: p.cfg.REDIS_PREFIX, clock: p.clock };

  // Fields a ScenicArea declares are refused here (ADR 0010); the view says which they are.
  r.put('/areas/:areaId', allow(ctx, 'areas.configure', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const def = await defineArea(p.db, areaId, req.body);
    p.catalog.invalidate(def.id);
    await propagateAreaChange(propagation, def.id);
    await audit(p.db, actorOf(res), 'scenic.area.updated', def.id, {
      slots: def.slots.length,
      products: def.products.length,
    });
    res.json({ id: def.id, updated: true });
  });

  r.get('/areas/:areaId', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    res.json(await adminAreaView(p.db, areaId));
  });

  // Lets another namespace's ScenicArea claim the area id (and its Redis prefix): the
  // platform's decision, not an area's.
  r.delete('/areas/:areaId/binding', allow(ctx, 'system.operate', PLATFORM), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    if (!(await releaseAreaBinding(p.db, areaId)))
      throw notFound('area_binding_not_found', `area ${areaId} is not bound to any namespace`);
    await announceCatalogChange(p.redis, p.cfg.REDIS_PREFIX, areaId, p.clock.now().getTime());
    await audit(p.db, actorOf(res), 'scenic.area.binding_released', areaId, {}, { areaId });
    res.status(204).end();
  });

  r.put('/channels', allow(ctx, 'channels.configure', PLATFORM), async (req, res) => {
    const defs = parseInput(z.array(ChannelDefinition).min(1).max(200), req.body);
    await upsertChannels(p.db, defs);
    p.catalog.invalidate();
    await announceCatalogChange(p.redis, p.cfg.REDIS_PREFIX, null, p.clock.now().getTime());
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
      // an override the operator keeps and reports (ADR 0010), never the declared switch
      await setManualPause(p.redis, {
        prefix: p.cfg.REDIS_PREFIX,
        areaId,
        channelId,
        paused: action === 'pause',
        actor: actorName(actor),
        reason,
        now: p.clock.now().getTime(),
        clearDeclared: !(await declarationOf(p.db, areaId)),
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
