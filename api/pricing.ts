import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { announceCatalogChange } from '../core/catalog/events.js';
import { listFactors } from '../core/forecast/factors.js';
import {
  explainPrices,
  listBounds,
  pinFactor,
  setDynamicBounds,
  unpinFactor,
} from '../core/forecast/guard-rails.js';
import { refreshForecasts } from '../core/forecast/refresh.js';
import { noWeather } from '../core/forecast/weather.js';
import { addDays, localDate } from '../core/time.js';
import { actorOf, allow, areaParam, type AppContext } from './context.js';
import type { Feature } from './features.js';

/**
 * Crowd-forecast pricing, the manager's side (issue 22):
 *   GET    /v1/admin/areas/:areaId/pricing                          every product's bounds
 *   PUT    /v1/admin/areas/:areaId/products/:productId/dynamic-pricing   a product's floor, ceiling, on/off
 *   GET    /v1/admin/areas/:areaId/price-factors?from&to            the factors in force
 *   PUT    /v1/admin/areas/:areaId/price-factors/:date/:slotId      pin a factor by hand
 *   DELETE /v1/admin/areas/:areaId/price-factors/:date/:slotId      lift the pin (back to the forecast's)
 *   GET    /v1/admin/areas/:areaId/forecast?from&days               forecast, factors, error, prices: why a price is what it is
 *   POST   /v1/admin/areas/:areaId/forecast/refresh                 recompute now (the worker does it daily and after bookings)
 * Reading is `stock.read`, changing is the manager's `areas.configure`; every change is audited.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaParams = z.object({ areaId: slug });
const ProductParams = z.object({ areaId: slug, productId: slug });
const FactorParams = z.object({ areaId: slug, date: z.iso.date(), slotId: slug });
export const FactorsQuery = z.object({ from: z.iso.date(), to: z.iso.date() });
export const ForecastQuery = z.object({
  from: z.iso.date().optional(),
  days: z.coerce.number().int().min(1).max(60).default(7),
});

export function pricingRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  // bounds live in the catalog, which every API process caches: tell them all
  const catalogChanged = async (areaId: string) => {
    p.catalog.invalidate(areaId);
    await announceCatalogChange(p.redis, p.cfg.REDIS_PREFIX, areaId, p.clock.now().getTime());
  };

  r.get('/areas/:areaId/pricing', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    await p.catalog.area(areaId);
    res.json({ items: await listBounds(p.db, areaId) });
  });

  r.put(
    '/areas/:areaId/products/:productId/dynamic-pricing',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId, productId } = parseInput(ProductParams, req.params);
      const view = await setDynamicBounds(p.db, actorOf(res), areaId, productId, req.body);
      await catalogChanged(areaId);
      res.json(view);
    },
  );

  r.get('/areas/:areaId/price-factors', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const q = parseInput(FactorsQuery, req.query);
    await p.catalog.area(areaId);
    res.json({ items: await listFactors(p.db, { areaId, ...q }) });
  });

  r.put(
    '/areas/:areaId/price-factors/:date/:slotId',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId, date, slotId } = parseInput(FactorParams, req.params);
      const area = await p.catalog.area(areaId);
      res.json(await pinFactor(p.db, actorOf(res), area, { date, slotId }, req.body, p.clock.now()));
    },
  );

  r.delete(
    '/areas/:areaId/price-factors/:date/:slotId',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId, date, slotId } = parseInput(FactorParams, req.params);
      const area = await p.catalog.area(areaId);
      res.json({ factor: await unpinFactor(p.db, actorOf(res), area, { date, slotId }, p.clock.now()) });
    },
  );

  r.get('/areas/:areaId/forecast', allow(ctx, 'stock.read', areaParam()), async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const q = parseInput(ForecastQuery, req.query);
    const area = await p.catalog.area(areaId);
    const from = q.from ?? localDate(p.clock.now(), area.timezone);
    res.json({
      areaId,
      from,
      to: addDays(from, q.days),
      slots: await explainPrices(p.db, area, { from, days: q.days }),
    });
  });

  r.post('/areas/:areaId/forecast/refresh', allow(ctx, 'areas.configure', areaParam()), async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const area = await p.catalog.area(areaId);
    // the API has no weather adapter of its own: the worker's runs bring the weather in
    res.json(await refreshForecasts({ db: p.db, clock: p.clock, weather: noWeather }, actorOf(res), area));
  });
  return r;
}

export const pricingFeature: Feature = {
  name: 'pricing',
  routes: (app, ctx) => app.use('/v1/admin', pricingRouter(ctx)),
};
