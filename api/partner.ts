import { Router } from 'express';
import { slotFactors } from '../core/forecast/factors.js';
import { pricedAvailability } from '../core/forecast/availability.js';
import { comboAvailability } from '../core/combos/store.js';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { notFound } from '../core/errors.js';
import { RefundInput } from '../core/orders/inputs.js';
import {
  ExtendHoldInput,
  PartnerOrderInput,
  cancelPartnerOrder,
  confirmPartnerOrder,
  createPartnerOrder,
  extendPartnerOrder,
  partnerTickets,
  refundPartnerOrder,
  ticketStatus,
  viewPartnerOrder,
} from '../core/channels/partner-orders.js';
import { channelAvailability, channelOffer } from '../core/channels/offers.js';
import { sellsToMembers as sellsToMembersOf } from '../core/members/pricing.js';
import { settlementCsv, settlementStatement } from '../core/channels/settlement.js';
import { actorOf, type AppContext } from './context.js';
import type { Feature } from './features.js';
import { idempotent } from './idempotent.js';
import { problemBody } from './problem.js';
import { signedPartner } from './partner-auth.js';
import { partnerAdminRouter } from './partner-admin.js';
import { octoFeature } from './octo.js';
import { boxOfficeFeature } from './box-office.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaDate = z.object({ date: z.iso.date() });
const Ref = z.object({ ref: z.string().min(1).max(64) });

/**
 * The OTA partner API, `/partner/v1`: every request signed (see core/channels/signature.ts);
 * the key fixes the partner and its channel, so no route takes a channel as input.
 */
export function partnerRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  r.use(signedPartner(ctx));
  const channel = async (res: Parameters<typeof actorOf>[0]) => p.catalog.channel(actorOf(res).channelId!);

  r.get('/areas/:areaId/products', async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const { date } = parseInput(AreaDate, req.query);
    const factors = await slotFactors(p.db, areaId, date);
    const sellsToMembers = await sellsToMembersOf(p.db, actorOf(res).id);
    res.json(
      await channelOffer(p.catalog, p.clock, await channel(res), areaId, date, factors, { sellsToMembers }),
    );
  });

  r.get('/areas/:areaId/availability', async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const { date } = parseInput(AreaDate, req.query);
    const ch = await channel(res);
    const day = await channelAvailability(p.catalog, p.inventory, p.redis, ch, areaId, date);
    res.json(await pricedAvailability(p.db, await p.catalog.area(areaId), ch, day, p.clock.now()));
  });

  // a combo's components, each session with its seats left; an order picks them in `sessions` (core/combos)
  r.get('/areas/:areaId/combo-availability', async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const { date } = parseInput(AreaDate, req.query);
    res.json(await comboAvailability(p.db, p.redis, areaId, date));
  });

  r.post('/orders', async (req, res) => {
    const input = parseInput(PartnerOrderInput, req.body);
    const out = await createPartnerOrder(p.orders, actorOf(res), input, (e) =>
      problemBody(e, req.originalUrl),
    );
    if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(out.status)
      .type(out.status >= 400 ? 'application/problem+json' : 'application/json')
      .json(out.body);
  });

  r.get('/orders/:ref', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    res.json(await viewPartnerOrder(p.orders, actorOf(res), ref));
  });

  r.post('/orders/:ref/confirm', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    res.json(await confirmPartnerOrder(p.orders, actorOf(res), ref));
  });

  r.post('/orders/:ref/extend', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    const input = parseInput(ExtendHoldInput, req.body ?? {});
    res.json(await extendPartnerOrder(p.orders, actorOf(res), ref, input));
  });

  r.post('/orders/:ref/cancel', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    res.json(await cancelPartnerOrder(p.orders, actorOf(res), ref));
  });

  r.post('/orders/:ref/refunds', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    const input = parseInput(RefundInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await refundPartnerOrder(p.orders, actorOf(res), ref, input),
    }));
  });

  r.get('/orders/:ref/tickets', async (req, res) => {
    const { ref } = parseInput(Ref, req.params);
    res.json(await partnerTickets(p.orders, actorOf(res), ref));
  });

  r.get('/tickets/:ticketId', async (req, res) => {
    const { ticketId } = parseInput(z.object({ ticketId: z.uuid() }), req.params);
    res.json(await ticketStatus(p.db, actorOf(res), ticketId));
  });

  r.get('/settlements/:date', async (req, res) => {
    const { date } = parseInput(
      z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}(\.csv|\.json)?$/) }),
      req.params,
    );
    const day = date.slice(0, 10);
    parseInput(AreaDate, { date: day });
    const s = await settlementStatement(p.db, actorOf(res).id, day);
    if (date.endsWith('.csv') || req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res
        .type('text/csv; charset=utf-8')
        .setHeader('content-disposition', `attachment; filename="settlement-${s.partnerId}-${day}.csv"`);
      res.send(settlementCsv(s));
      return;
    }
    res.json(s);
  });

  r.use((req, _res, next) => next(notFound('route_not_found', `no route for ${req.method} ${req.path}`)));
  return r;
}

/**
 * Every sales-channel door, listed once in api/features.ts: the signed partner API and
 * OCTO (early: they read raw bodies), then partner admin and the box office.
 */
export const partnerFeature: Feature = {
  name: 'sales-channels',
  early: (app, ctx) => {
    app.use('/partner/v1', partnerRouter(ctx));
    octoFeature.early?.(app, ctx);
  },
  routes: (app, ctx) => {
    app.use('/v1/admin', partnerAdminRouter(ctx));
    boxOfficeFeature.routes?.(app, ctx);
  },
};
