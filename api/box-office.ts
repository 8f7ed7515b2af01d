import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { BindCardInput, bindCard, unbindCard } from '../core/cards/cards.js';

const TicketParams = z.object({ id: z.uuid(), ticketId: z.uuid() });
import { RefundInput } from '../core/orders/inputs.js';
import { refundOrder } from '../core/orders/lifecycle.js';
import { loadOrder } from '../core/orders/store.js';
import { notFound } from '../core/errors.js';
import {
  GroupSaleInput,
  WalkUpInput,
  groupSale,
  reprintTickets,
  walkUpSale,
} from '../core/channels/box-office.js';
import {
  EmergencySaleInput,
  OpenEmergencyInput,
  closeEmergency,
  emergencySale,
  getEmergency,
  openEmergency,
} from '../core/channels/emergency.js';
import { actorOf, allow, areaInBody, ofEmergency, ofOrder, type AppContext } from './context.js';
import { can } from '../core/auth/scope.js';
import type { Feature } from './features.js';
import { idempotent } from './idempotent.js';

const Id = z.object({ id: z.uuid() });

/**
 * Staff selling (`/v1/box-office`): box office windows, kiosks and handhelds (device keys
 * of those kinds) and cashiers. The credential's channel is the channel sold through (none:
 * it sells nothing); each route checks its permission and the area of the sale, order or
 * emergency session (`allow`). Emergency manual mode is opened and closed by a supervisor
 * (`emergency.manage`: area managers and platform admins).
 */
export function boxOfficeRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  // read per request: tests and the composition root may still adjust p.orders after mounting
  const d = () => p.orders;

  r.post('/sales', allow(ctx, 'orders.sell', areaInBody()), async (req, res) => {
    const input = parseInput(WalkUpInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await walkUpSale(d(), actorOf(res), input),
    }));
  });

  r.post('/group-sales', allow(ctx, 'orders.sell-group', areaInBody()), async (req, res) => {
    const input = parseInput(GroupSaleInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await groupSale(d(), actorOf(res), input),
    }));
  });

  r.post('/orders/:id/reprint', allow(ctx, 'tickets.reprint', ofOrder()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const { ticketIds } = parseInput(
      z.object({ ticketIds: z.array(z.uuid()).min(1).optional() }),
      req.body ?? {},
    );
    res.json(await reprintTickets(d(), actorOf(res), id, ticketIds));
  });

  r.post('/orders/:id/refunds', allow(ctx, 'orders.refund', ofOrder()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const input = parseInput(RefundInput, req.body);
    const o = await loadOrder(p.db, id);
    const channel = await p.catalog.channel(o.channel_id);
    // at the window, on-site orders only; other channels' orders are customer service's
    if (channel.kind !== 'onsite' && !can(actorOf(res), 'orders.refund-any'))
      throw notFound('order_not_found', `no on-site order ${id}`);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await refundOrder(d(), actorOf(res), id, input),
    }));
  });

  // NFC/IC cards (core/cards): bound to a valid ticket, admitted by a tap at the gate, unbound here or by a refund
  r.post('/orders/:id/tickets/:ticketId/card', allow(ctx, 'tickets.card', ofOrder()), async (req, res) => {
    const { id, ticketId } = parseInput(TicketParams, req.params);
    res.json(await bindCard(d(), actorOf(res), id, ticketId, parseInput(BindCardInput, req.body)));
  });
  r.delete('/orders/:id/tickets/:ticketId/card', allow(ctx, 'tickets.card', ofOrder()), async (req, res) => {
    const { id, ticketId } = parseInput(TicketParams, req.params);
    res.json(await unbindCard(d(), actorOf(res), id, ticketId));
  });

  r.post('/emergency', allow(ctx, 'emergency.manage', areaInBody()), async (req, res) => {
    const input = parseInput(OpenEmergencyInput, req.body);
    res.status(201).json(await openEmergency(d(), actorOf(res), input));
  });

  r.get('/emergency/:id', allow(ctx, 'emergency.read', ofEmergency()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    res.json(await getEmergency(p.db, id));
  });

  r.post('/emergency/:id/close', allow(ctx, 'emergency.manage', ofEmergency()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    res.json(await closeEmergency(d(), actorOf(res), id));
  });

  r.post('/emergency/:id/sales', allow(ctx, 'emergency.sell', ofEmergency()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const input = parseInput(EmergencySaleInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await emergencySale(d(), actorOf(res), id, input),
    }));
  });

  return r;
}

export const boxOfficeFeature: Feature = {
  name: 'box-office',
  routes: (app, ctx) => app.use('/v1/box-office', boxOfficeRouter(ctx)),
};
