import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { notFound } from '../core/errors.js';
import { mayAccessOrder, orderAccessToken } from '../core/orders/access.js';
import { loadOrder } from '../core/orders/store.js';
import { PassBookingInput, PassRenewalInput, bookPassSlot, renewPass } from '../core/passes/book.js';
import {
  PASS_KIND,
  getPassTerms,
  loadPass,
  passTermsOf,
  putPassTerms,
  setPassPhoto,
  viewPass,
} from '../core/passes/store.js';
import { actorOf, allow, areaParam, type AppContext } from './context.js';
import { idempotent } from './idempotent.js';
import type { Feature } from './features.js';

/**
 * Annual passes (issue 18, core/passes):
 *   GET  /v1/areas/:areaId/passes                            the pass products on sale, with their terms
 *   GET  /v1/passes/:passId                                  a pass (the pass order's token, or staff)
 *   POST /v1/passes/:passId/bookings                         a free slot booking (busy days)
 *   POST /v1/passes/:passId/renewals                         renew: a held order to pay
 *   PUT  /v1/passes/:passId/photo                            the holder's photo (sealed)
 *   GET|PUT /v1/admin/areas/:areaId/products/:productId/pass the product's pass terms
 * A pass is bought like any ticket (`POST /v1/orders` with an `annual_pass` product) and
 * refunded through its order; its id is its ticket's.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaParams = z.object({ areaId: slug });
const ProductParams = z.object({ areaId: slug, productId: slug });
const PassParams = z.object({ passId: z.uuid() });
const PhotoInput = z.object({ photo: z.string().min(4).max(400_000) }).strict();

const isOrderView = (b: unknown): b is { id: string } =>
  typeof b === 'object' && b !== null && typeof (b as { id?: unknown }).id === 'string';

export function passesRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;

  /** The pass of `:passId` if the caller may see its order (its token, its phone session, staff); else 404. */
  const authorizedPass = async (req: Request, res: Response): Promise<string> => {
    const { passId } = parseInput(PassParams, req.params);
    const pass = await loadPass(p.db, passId);
    const o = await loadOrder(p.db, pass.order_id);
    if (!mayAccessOrder(actorOf(res), o, req.get('x-order-token')))
      throw notFound('pass_not_found', `no pass ${passId}`);
    return passId;
  };
  const origin = (req: Request) => ({ address: req.ip, deviceId: req.get('x-device-id') });

  r.get('/areas/:areaId/passes', async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const area = await p.catalog.area(areaId);
    const products = [...area.products.values()].filter((x) => x.kind === PASS_KIND);
    const terms = await passTermsOf(
      p.db,
      areaId,
      products.map((x) => x.id),
    );
    res.json({
      items: products.map((x) => ({
        productId: x.id,
        name: x.name,
        price: x.basePrice,
        currency: x.currency,
        terms: terms.get(x.id)!,
        policy: x.policy,
      })),
    });
  });

  r.get('/passes/:passId', async (req, res) => {
    const passId = await authorizedPass(req, res);
    res.setHeader('cache-control', 'no-store');
    res.json(await viewPass(p.db, p.vault, passId));
  });

  r.post('/passes/:passId/bookings', async (req, res) => {
    const passId = await authorizedPass(req, res);
    const input = parseInput(PassBookingInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await bookPassSlot(p.orders, actorOf(res), passId, input, undefined, origin(req)),
    }));
  });

  r.post('/passes/:passId/renewals', async (req, res) => {
    const passId = await authorizedPass(req, res);
    const input = parseInput(PassRenewalInput, req.body);
    await idempotent(
      ctx,
      req,
      res,
      async (k) => ({
        status: 201,
        body: await renewPass(p.orders, actorOf(res), passId, input, k, origin(req)),
        storedInTransaction: true,
      }),
      (stored, k) =>
        stored.status === 201 && isOrderView(stored.body)
          ? { ...stored.body, accessToken: orderAccessToken(p.vault, k.secret!, stored.body.id) }
          : stored.body,
    );
  });

  r.put('/passes/:passId/photo', async (req, res) => {
    const passId = await authorizedPass(req, res);
    const { photo } = parseInput(PhotoInput, req.body);
    await setPassPhoto(p.db, p.vault, actorOf(res), passId, photo);
    res.json(await viewPass(p.db, p.vault, passId));
  });

  r.get(
    '/admin/areas/:areaId/products/:productId/pass',
    allow(ctx, 'stock.read', areaParam()),
    async (req, res) => {
      const { areaId, productId } = parseInput(ProductParams, req.params);
      res.json(await getPassTerms(p.db, areaId, productId));
    },
  );

  r.put(
    '/admin/areas/:areaId/products/:productId/pass',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId, productId } = parseInput(ProductParams, req.params);
      res.json(await putPassTerms(p.db, actorOf(res), p.clock, areaId, productId, req.body));
    },
  );
  return r;
}

export const passesFeature: Feature = {
  name: 'passes',
  routes: (app, ctx) => app.use('/v1', passesRouter(ctx)),
};
