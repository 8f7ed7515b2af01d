import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
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
import { actorOf, requireRole, type AppContext } from './context.js';
import type { Feature } from './features.js';
import { idempotent } from './idempotent.js';

const Id = z.object({ id: z.uuid() });

/**
 * Staff selling (`/v1/box-office`): box office windows, kiosks (their own device keys,
 * role `kiosk`) and handhelds (role `box-office`, channel `handheld`). The key's channel
 * is the channel sold through. Emergency manual mode is opened and closed by a
 * supervisor (role `admin`).
 */
export function boxOfficeRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  // read per request: tests and the composition root may still adjust p.orders after mounting
  const d = () => p.orders;
  const staff = requireRole('box-office', 'kiosk', 'admin');
  const supervisor = requireRole('admin');

  r.post('/sales', staff, async (req, res) => {
    const input = parseInput(WalkUpInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await walkUpSale(d(), actorOf(res), input),
    }));
  });

  r.post('/group-sales', requireRole('box-office', 'admin'), async (req, res) => {
    const input = parseInput(GroupSaleInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await groupSale(d(), actorOf(res), input),
    }));
  });

  r.post('/orders/:id/reprint', staff, async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const { ticketIds } = parseInput(
      z.object({ ticketIds: z.array(z.uuid()).min(1).optional() }),
      req.body ?? {},
    );
    res.json(await reprintTickets(d(), actorOf(res), id, ticketIds));
  });

  r.post('/orders/:id/refunds', requireRole('box-office', 'admin'), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const input = parseInput(RefundInput, req.body);
    const o = await loadOrder(p.db, id);
    const channel = await p.catalog.channel(o.channel_id);
    if (channel.kind !== 'onsite' && actorOf(res).role !== 'admin')
      throw notFound('order_not_found', `no on-site order ${id}`);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await refundOrder(d(), actorOf(res), id, input),
    }));
  });

  r.post('/emergency', supervisor, async (req, res) => {
    const input = parseInput(OpenEmergencyInput, req.body);
    res.status(201).json(await openEmergency(d(), actorOf(res), input));
  });

  r.get('/emergency/:id', staff, async (req, res) => {
    const { id } = parseInput(Id, req.params);
    res.json(await getEmergency(p.db, id));
  });

  r.post('/emergency/:id/close', supervisor, async (req, res) => {
    const { id } = parseInput(Id, req.params);
    res.json(await closeEmergency(d(), actorOf(res), id));
  });

  r.post('/emergency/:id/sales', requireRole('box-office', 'admin'), async (req, res) => {
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
