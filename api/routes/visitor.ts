import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import { notFound, notAllowed } from '../../core/errors.js';
import {
  PlaceOrderInput,
  RefundInput,
  RescheduleInput,
  Phone,
  StartPaymentInput,
  WaitlistInput,
} from '../../core/orders/inputs.js';
import { joinWaitlist, getWaitlistEntry } from '../../core/orders/waitlist.js';
import { placeOrder } from '../../core/orders/place.js';
import { mayAccessOrder, orderAccessToken } from '../../core/orders/access.js';
import { startPayment } from '../../core/orders/payment.js';
import { refundOrder, rescheduleOrder } from '../../core/orders/lifecycle.js';
import { cancelHold } from '../../core/orders/payment-sync.js';
import { isMobileAgent } from '../../core/payments/scene.js';
import { loadOrder, ordersByPhone, viewOrder, viewOrders } from '../../core/orders/store.js';
import type { OrderRow } from '../../core/db/tables.js';
import type { Permission } from '../../core/auth/roles.js';
import { availability } from '../../core/inventory/availability.js';
import { pricedAvailability } from '../../core/forecast/availability.js';
import { viewArea } from '../../core/catalog/view.js';
import { pausedChannels } from '../../core/inventory/switches.js';
import { requestOtp, verifyOtp } from '../../core/auth/sessions.js';
import { openAccountOnSignIn } from '../../core/members/accounts.js';
import { isSignedInMember } from '../../core/members/pricing.js';
import { actorOf, allow, areaInBody, ofOrder, type AppContext } from '../context.js';
import {
  expressCall,
  idempotent,
  idempotentAnswer,
  sendIdempotent,
  type IdempotentCall,
} from '../idempotent.js';
import type { Actor } from '../../core/orders/model.js';

const AreaParams = z.object({ areaId: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/) });
const OrderParams = z.object({ id: z.uuid() });
const AvailabilityQuery = z.object({ date: z.iso.date(), channel: z.string().max(64).optional() });
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.uuid().optional(),
});

/**
 * The order of `:id` if the caller may see it (`mayAccessOrder`); anyone else gets 404,
 * which reveals nothing. Staff reach these routes through the guard in front of each
 * (`staffMay`), which checks their permission and the order's area first.
 */
export async function authorizedOrder(ctx: AppContext, req: Request, res: Response): Promise<OrderRow> {
  const { id } = parseInput(OrderParams, req.params, 'invalid_order_id');
  const o = await loadOrder(ctx.platform.db, id);
  if (!mayAccessOrder(actorOf(res), o, req.get('x-order-token')))
    throw notFound('order_not_found', `no order ${id}`);
  return o;
}

const isOrderView = (b: unknown): b is { id: string } =>
  typeof b === 'object' && b !== null && typeof (b as { id?: unknown }).id === 'string';

/**
 * POST /v1/orders for the express route and its fast lane (api/order-lane.ts) alike: the
 * input checked, then the order placed once per idempotency key (claimed in the order's
 * own statement), a replay given its access token back.
 */
export async function orderAnswer(
  ctx: AppContext,
  call: IdempotentCall,
  actor: Actor,
  where: { address: string | undefined; deviceId: string | undefined },
) {
  const p = ctx.platform;
  const input = parseInput(PlaceOrderInput, call.body);
  return idempotentAnswer(
    ctx,
    call,
    actor,
    async (k) => ({
      status: 201,
      body: await placeOrder(p.orders, actor, input, k, where),
      storedInTransaction: true,
    }),
    // the stored answer holds no access token: derive it again for the same secret
    (stored, k) =>
      stored.status === 201 && isOrderView(stored.body)
        ? { ...stored.body, accessToken: orderAccessToken(p.vault, k.secret!, stored.body.id) }
        : stored.body,
    { claimInTransaction: true },
  );
}

export function visitorRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  // visitors and partners pass to the route's own checks; staff need the permission and the area
  const staffMay = (perm: Permission) => allow(ctx, perm, ofOrder(), { visitors: true });

  r.get('/areas/:areaId', async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    res.json(viewArea(await p.catalog.area(areaId)));
  });

  r.get('/areas/:areaId/availability', async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const q = parseInput(AvailabilityQuery, req.query);
    const [area, channel] = await Promise.all([
      p.catalog.area(areaId),
      p.catalog.channel(q.channel ?? 'web'),
    ]);
    const [snap, paused] = await Promise.all([
      p.inventory.snapshot(areaId, q.date),
      pausedChannels(p.redis, areaId),
    ]);
    const day = availability(area, q.date, snap, channel, paused.includes(channel.id));
    // issue 22: a signed-in member is shown the member prices a hold then charges
    const member = await isSignedInMember(p.db, actorOf(res));
    res.json(await pricedAvailability(p.db, area, channel, day, p.clock.now(), member));
  });

  r.post('/orders', allow(ctx, 'orders.sell', areaInBody(), { visitors: true }), async (req, res) => {
    const where = { address: req.ip, deviceId: req.get('x-device-id') };
    sendIdempotent(res, await orderAnswer(ctx, expressCall(req), actorOf(res), where));
  });

  r.get('/orders/:id', staffMay('orders.read'), async (req, res) => {
    const o = await authorizedOrder(ctx, req, res);
    res.json(await viewOrder(p.db, p.vault, o.id));
  });

  r.post('/orders/:id/payments', staffMay('orders.sell'), async (req, res) => {
    const o = await authorizedOrder(ctx, req, res);
    const input = parseInput(StartPaymentInput, req.body ?? {});
    res.status(201).json(
      await startPayment(p.orders, actorOf(res), o.id, {
        provider: input.provider,
        device: input.device ?? (isMobileAgent(req.get('user-agent')) ? 'mobile' : 'desktop'),
        openid: input.openid,
        clientIp: req.ip,
      }),
    );
  });

  r.post('/orders/:id/cancel', staffMay('orders.sell'), async (req, res) => {
    const o = await authorizedOrder(ctx, req, res);
    await cancelHold(p.orders, actorOf(res), o.id);
    res.json(await viewOrder(p.db, p.vault, o.id));
  });

  r.post('/orders/:id/refunds', staffMay('orders.refund-any'), async (req, res) => {
    const o = await authorizedOrder(ctx, req, res);
    const input = parseInput(RefundInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await refundOrder(p.orders, actorOf(res), o.id, input),
    }));
  });

  r.post('/orders/:id/reschedule', staffMay('orders.reschedule'), async (req, res) => {
    const o = await authorizedOrder(ctx, req, res);
    const input = parseInput(RescheduleInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 200,
      body: await rescheduleOrder(p.orders, actorOf(res), o.id, input),
    }));
  });

  r.post('/waitlist', async (req, res) => {
    const input = parseInput(WaitlistInput, req.body);
    await idempotent(ctx, req, res, async () => ({
      status: 201,
      body: await joinWaitlist(p.orders, actorOf(res), input, {
        address: req.ip,
        deviceId: req.get('x-device-id'),
      }),
    }));
  });

  r.get('/waitlist/:id', async (req, res) => {
    const { id } = parseInput(z.object({ id: z.string().min(1).max(64) }), req.params);
    res.json(await getWaitlistEntry(p.orders, id));
  });

  r.get('/me/orders', async (req, res) => {
    const a = actorOf(res);
    if (a.kind !== 'visitor' || a.id === 'anonymous')
      throw notAllowed('sign_in_required', 'sign in with your phone to list your orders');
    const q = parseInput(ListQuery, req.query);
    const rows = await ordersByPhone(p.db, a.id, { limit: q.limit + 1, before: q.before });
    const page = rows.slice(0, q.limit);
    res.json({
      items: await viewOrders(p.db, p.vault, page),
      next: rows.length > q.limit ? page.at(-1)!.id : null,
    });
  });

  r.post('/auth/otp', async (req, res) => {
    const { phone } = parseInput(z.object({ phone: Phone }), req.body);
    await requestOtp(p.redis, p.sms, phone, p.vault.lookupHash('phone', phone));
    res.status(202).json({ sent: true, expiresInSeconds: 300 });
  });

  r.post('/auth/session', async (req, res) => {
    const { phone, code } = parseInput(
      z.object({ phone: Phone, code: z.string().regex(/^\d{6}$/) }),
      req.body,
    );
    const hash = p.vault.lookupHash('phone', phone);
    await verifyOtp(p.redis, hash, code);
    // issue 22: the member account grows out of the verified phone
    await openAccountOnSignIn(p.db, p.vault, phone, hash, p.clock.now());
    res.status(201).json({ token: ctx.sessions.issue(hash, p.clock.now()), tokenType: 'Bearer' });
  });

  return r;
}
