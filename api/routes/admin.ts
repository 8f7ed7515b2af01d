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
import { addProduct, listProducts, retireProduct } from '../../core/catalog/products.js';
import { listDoubleEntries, resolveDoubleEntry } from '../../core/checkin/ledger.js';
import { actorName } from '../../core/orders/model.js';
import { PLATFORM, actorOf, allow, areaParam, type AppContext } from '../context.js';

const AuditQuery = z.object({
  subject: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().optional(),
});

const FlagQuery = z.object({ status: z.enum(['open', 'cleared', 'resolved']).optional() });

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

/**
 * Admin endpoints: catalog, channel switches, audit trail, inventory repair. Each route
 * names its permission and where its area comes from (`allow`, api/context.ts).
 */
export function adminRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;

  const propagation = { db: p.db, redis: p.redis, prefix: p.cfg.REDIS_PREFIX, clock: p.clock };
  const catalogChanged = async (areaId: string) => {
    p.catalog.invalidate(areaId);
    await announceCatalogChange(p.redis, p.cfg.REDIS_PREFIX, areaId, p.clock.now().getTime());
  };

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

  // the console's product list: one product at a time, retired ones kept and marked
  r.get('/areas/:areaId/products', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    await p.catalog.area(areaId);
    res.json({ items: await listProducts(p.db, areaId) });
  });

  r.post('/areas/:areaId/products', allow(ctx, 'areas.configure', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const product = await addProduct(p.db, actorOf(res), areaId, req.body);
    await catalogChanged(areaId);
    res.status(201).json(product);
  });

  r.post(
    '/areas/:areaId/products/:productId/retire',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId, productId } = parseInput(z.object({ areaId: slug, productId: slug }), req.params);
      const product = await retireProduct(p.db, actorOf(res), areaId, productId);
      await catalogChanged(areaId);
      res.json(product);
    },
  );

  // double entries the gates flagged: a list, and resolve one with a note
  r.get('/areas/:areaId/flags', allow(ctx, 'entries.flags', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const { status } = parseInput(FlagQuery, req.query);
    res.json({ items: await listDoubleEntries(p.db, areaId, status) });
  });

  r.post(
    '/areas/:areaId/flags/:flagId/resolve',
    allow(ctx, 'entries.flags', areaParam()),
    async (req, res) => {
      const { areaId, flagId } = parseInput(
        z.object({
          areaId: slug,
          flagId: z.coerce
            .number()
            .int()
            .min(1)
            .max(2 ** 31 - 1),
        }),
        req.params,
      );
      const { note } = parseInput(z.object({ note: z.string().trim().min(3).max(500) }), req.body);
      res.json(await resolveDoubleEntry(p.db, actorOf(res), areaId, flagId, note, p.clock));
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
