import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { isTimeZone } from '../core/time.js';
import { JointOrderInput, JointProductDefinition, SupplierDefinition } from '../core/joint/inputs.js';
import { placeJointOrder } from '../core/joint/place.js';
import { listJointProducts, listSuppliers, upsertJointProduct, upsertSupplier } from '../core/joint/store.js';
import { orderAccessToken } from '../core/orders/access.js';
import { settlementCsv, settlementReport } from '../core/settlement/store.js';
import { PLATFORM, actorOf, allow, type AppContext } from './context.js';
import { idempotent } from './idempotent.js';
import type { Feature } from './features.js';

/**
 * Joint tickets and packages (issue 18):
 *   GET  /v1/joint-products                     what is on sale (anyone)
 *   POST /v1/joint-orders                       buy one (visitors; staff of every area)
 *   PUT  /v1/admin/suppliers/:id, GET …         the suppliers of packages
 *   PUT  /v1/admin/joint-products/:id, GET …    joint products: areas, slots, shares, suppliers
 *   GET  /v1/admin/settlement?from&to[&format=csv]  statements per party
 * A joint order is an ordinary order afterwards: paid, viewed and refunded through /v1/orders/:id.
 * Products and suppliers span areas, so configuring them and reading every party's
 * statement is for callers of every area (PLATFORM).
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const IdParams = z.object({ id: slug });
export const SettlementQuery = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  timezone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone').default('Asia/Shanghai'),
  party: z.string().max(140).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

const isOrderView = (b: unknown): b is { id: string } =>
  typeof b === 'object' && b !== null && typeof (b as { id?: unknown }).id === 'string';

export function jointRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;

  r.get('/joint-products', async (_req, res) => {
    res.json({ items: await listJointProducts(p.db, { activeOnly: true }) });
  });

  r.post('/joint-orders', allow(ctx, 'orders.sell', PLATFORM, { visitors: true }), async (req, res) => {
    const input = parseInput(JointOrderInput, req.body);
    await idempotent(
      ctx,
      req,
      res,
      async (k) => ({
        status: 201,
        // the caller's address and device: the held-units budgets of ordinary orders apply
        body: await placeJointOrder(p.orders, actorOf(res), input, k, {
          address: req.ip,
          deviceId: req.get('x-device-id'),
        }),
        storedInTransaction: true,
      }),
      (stored, k) =>
        stored.status === 201 && isOrderView(stored.body)
          ? { ...stored.body, accessToken: orderAccessToken(p.vault, k.secret!, stored.body.id) }
          : stored.body,
    );
  });

  r.get('/admin/suppliers', allow(ctx, 'areas.configure', PLATFORM), async (_req, res) => {
    res.json({ items: await listSuppliers(p.db) });
  });
  r.put('/admin/suppliers/:id', allow(ctx, 'areas.configure', PLATFORM), async (req, res) => {
    const { id } = parseInput(IdParams, req.params);
    const def = parseInput(SupplierDefinition, req.body);
    res.json(await upsertSupplier(p.db, actorOf(res), p.clock, id, def));
  });

  r.get('/admin/joint-products', allow(ctx, 'areas.configure', PLATFORM), async (_req, res) => {
    res.json({ items: await listJointProducts(p.db, { activeOnly: false }) });
  });
  r.put('/admin/joint-products/:id', allow(ctx, 'areas.configure', PLATFORM), async (req, res) => {
    const { id } = parseInput(IdParams, req.params);
    const def = parseInput(JointProductDefinition, req.body);
    res.json(await upsertJointProduct(p.db, actorOf(res), p.clock, id, def));
  });

  r.get('/admin/settlement', allow(ctx, 'settlements.read', PLATFORM), async (req, res) => {
    const q = parseInput(SettlementQuery, req.query);
    const report = await settlementReport(p.db, q);
    res.setHeader('cache-control', 'no-store');
    if (q.format === 'json') return void res.json(report);
    res.setHeader('content-disposition', `attachment; filename="scenic-settlement-${q.from}-${q.to}.csv"`);
    res.type('text/csv; charset=utf-8').send(settlementCsv(report));
  });
  return r;
}

export const jointFeature: Feature = {
  name: 'joint',
  routes: (app, ctx) => app.use('/v1', jointRouter(ctx)),
};
