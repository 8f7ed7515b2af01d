import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import {
  ComboDayQuery,
  ComponentDefinition,
  ComponentRefundInput,
  ScanPointDefinition,
} from '../core/combos/inputs.js';
import { comboAvailability, listComponents, setScanPoint, upsertComponent } from '../core/combos/store.js';
import { refundComponents } from '../core/combos/lifecycle.js';
import { componentReport } from '../core/combos/report.js';
import { actorOf, allow, areaParam, ofOrder, type AppContext } from './context.js';
import { idempotent } from './idempotent.js';
import { authorizedOrder } from './routes/visitor.js';
import type { Feature } from './features.js';

/**
 * Combos redeemed piece by piece (issue 18, core/combos):
 *   GET  /v1/areas/:areaId/combo-availability?date       components and seats left per session (anyone)
 *   POST /v1/orders/:id/component-refunds                refund unused components (order token, or staff)
 *   GET  /v1/admin/areas/:areaId/combo-components        the area's components and their scan points
 *   PUT  /v1/admin/areas/:areaId/combo-components/:id    declare one: products, value, sessions
 *   PUT  /v1/admin/areas/:areaId/combo-scan-points/:gateId   make a gate device a component's door
 *   GET  /v1/admin/areas/:areaId/combo-report?from&to    seats sold, redeemed, refunded per session
 * A combo is bought through POST /v1/orders with `sessions: { componentId: sessionId }`.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaParams = z.object({ areaId: slug });
const ComponentParams = z.object({ areaId: slug, componentId: slug });
const GateParams = z.object({ areaId: slug, gateId: slug });
const Period = z.object({ from: z.iso.date(), to: z.iso.date() });

export function combosRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;

  r.get('/areas/:areaId/combo-availability', async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const { date } = parseInput(ComboDayQuery, req.query);
    res.json(await comboAvailability(p.db, p.redis, areaId, date));
  });

  r.post(
    '/orders/:id/component-refunds',
    allow(ctx, 'orders.refund-any', ofOrder(), { visitors: true }),
    async (req, res) => {
      const o = await authorizedOrder(ctx, req, res);
      const input = parseInput(ComponentRefundInput, req.body);
      await idempotent(ctx, req, res, async () => ({
        status: 201,
        body: await refundComponents(p.orders, actorOf(res), o.id, input),
      }));
    },
  );

  const configure = allow(ctx, 'areas.configure', areaParam());
  r.get('/admin/areas/:areaId/combo-components', configure, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    res.json({ items: await listComponents(p.db, areaId, { activeOnly: false }) });
  });
  r.put('/admin/areas/:areaId/combo-components/:componentId', configure, async (req, res) => {
    const { areaId, componentId } = parseInput(ComponentParams, req.params);
    const def = parseInput(ComponentDefinition, req.body);
    res.json(await upsertComponent(p.db, actorOf(res), p.clock, areaId, componentId, def));
  });
  r.put('/admin/areas/:areaId/combo-scan-points/:gateId', configure, async (req, res) => {
    const { areaId, gateId } = parseInput(GateParams, req.params);
    const { componentId } = parseInput(ScanPointDefinition, req.body);
    res.json(await setScanPoint(p.db, actorOf(res), p.clock, areaId, gateId, componentId));
  });
  r.get('/admin/areas/:areaId/combo-report', allow(ctx, 'reports.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const { from, to } = parseInput(Period, req.query);
    res.setHeader('cache-control', 'no-store');
    res.json(await componentReport(p.db, areaId, from, to));
  });
  return r;
}

export const combosFeature: Feature = {
  name: 'combos',
  routes: (app, ctx) => app.use('/v1', combosRouter(ctx)),
};
