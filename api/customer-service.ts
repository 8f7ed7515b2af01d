import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { BindCardInput, bindCard, unbindCard } from '../core/cards/cards.js';

const TicketParams = z.object({ id: z.uuid(), ticketId: z.uuid() });
import { RefundInput, RescheduleInput } from '../core/orders/inputs.js';
import { refundOrder, rescheduleOrder } from '../core/orders/lifecycle.js';
import { SearchQuery, deskOrder, resendTickets, searchOrders } from '../core/customer-service/desk.js';
import { auditChange } from '../core/audit/store.js';
import type { OrderRow } from '../core/db/tables.js';
import { actorOf, allow, areaParam, ofOrder, type AppContext } from './context.js';
import { idempotent } from './idempotent.js';
import type { Feature } from './features.js';

const Reason = z.string().trim().min(3).max(500);
export const DeskRefundInput = RefundInput.extend({ note: Reason });
export const DeskRescheduleInput = RescheduleInput.extend({ reason: Reason });
export const ResendInput = z.object({ reason: Reason });

/**
 * Customer service (`/v1/cs`): order search in an area by order number, phone or ID
 * number (`orders.search`, answers masked and without codes), one order, and on the
 * visitor's behalf — each with the reason in the audit trail — a refund, a reschedule,
 * and the tickets' link texted again. The guard checks the order's area (404 outside).
 */
export function customerServiceRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const order = (res: { locals: Record<string, unknown> }) => res.locals.order as OrderRow;

  r.get('/areas/:areaId/orders', allow(ctx, 'orders.search', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: z.string() }), req.params);
    const q = parseInput(SearchQuery, req.query);
    res.setHeader('cache-control', 'no-store');
    res.json({ items: await searchOrders(p, areaId, q) });
  });

  r.get('/orders/:id', allow(ctx, 'orders.read', ofOrder()), async (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(await deskOrder(p, order(res).id));
  });

  r.post('/orders/:id/refunds', allow(ctx, 'orders.refund-any', ofOrder()), async (req, res) => {
    const input = parseInput(DeskRefundInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await refundOrder(p.orders, actorOf(res), order(res).id, input),
    }));
  });

  r.post('/orders/:id/reschedule', allow(ctx, 'orders.reschedule', ofOrder()), async (req, res) => {
    const { reason, ...input } = parseInput(DeskRescheduleInput, req.body);
    const o = order(res);
    await idempotent(ctx, req, res, async () => {
      const view = await rescheduleOrder(p.orders, actorOf(res), o.id, input);
      await auditChange(
        p.db,
        actorOf(res),
        {
          action: 'scenic.cs.order_rescheduled',
          subject: o.id,
          areaId: o.area_id,
          before: { date: o.visit_date, slotId: o.slot_id },
          after: { date: view.date, slotId: view.slotId },
        },
        { reason },
      );
      return { status: 200, body: view };
    });
  });

  // NFC/IC cards (core/cards): bound to a valid ticket, admitted by a tap at the gate, unbound here or by a refund
  r.post('/orders/:id/tickets/:ticketId/card', allow(ctx, 'tickets.card', ofOrder()), async (req, res) => {
    const { id, ticketId } = parseInput(TicketParams, req.params);
    res.json(await bindCard(p.orders, actorOf(res), id, ticketId, parseInput(BindCardInput, req.body)));
  });
  r.delete('/orders/:id/tickets/:ticketId/card', allow(ctx, 'tickets.card', ofOrder()), async (req, res) => {
    const { id, ticketId } = parseInput(TicketParams, req.params);
    res.json(await unbindCard(p.orders, actorOf(res), id, ticketId));
  });

  r.post('/orders/:id/resend', allow(ctx, 'tickets.resend', ofOrder()), async (req, res) => {
    const { reason } = parseInput(ResendInput, req.body);
    const base = p.cfg.SCENIC_PUBLIC_URL ?? `http://${p.cfg.HOST}:${p.cfg.PORT}`;
    res.status(202).json(await resendTickets(p, actorOf(res), order(res).id, base, reason));
  });

  return r;
}

export const customerServiceFeature: Feature = {
  name: 'customer-service',
  routes: (app, ctx) => app.use('/v1/cs', customerServiceRouter(ctx)),
};
