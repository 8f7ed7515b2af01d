import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { pricedAvailability } from '../core/forecast/availability.js';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { DomainError, inputError, isDomainError, notFound, type ErrorKind } from '../core/errors.js';
import { isErrorCode } from '../core/error-codes.js';
import type { Platform } from '../core/platform.js';
import type { Actor, OrderView } from '../core/orders/model.js';
import { refundOrder, endHold } from '../core/orders/lifecycle.js';
import { viewOrder, viewOrders } from '../core/orders/store.js';
import { listAreas } from '../core/catalog/catalog.js';
import { channelAvailability } from '../core/channels/offers.js';
import {
  confirmPartnerOrder,
  createPartnerOrder,
  extendPartnerOrder,
  ExtendHoldInput,
  findPartnerOrder,
  listPartnerOrders,
  reschedulePartnerOrder,
} from '../core/channels/partner-orders.js';
import {
  AvailabilityRequest,
  availabilitySlot,
  BookingListQuery,
  BookingRequest,
  BookingUpdateRequest,
  bookingFilters,
  bookingToOrder,
  checkOption,
  octoAvailability,
  octoBooking,
  octoCalendarDay,
  octoErrorCode,
  octoProduct,
  octoStatus,
  requestedDates,
} from '../core/channels/octo.js';
import { actorOf, type AppContext } from './context.js';
import type { Feature } from './features.js';
import { problemBody } from './problem.js';
import { signedPartner } from './partner-auth.js';

const LIST_LIMIT = 100;
const Uuid = z.object({ uuid: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/) });

async function bookingOf(p: Platform, v: OrderView) {
  return octoBooking(v, await p.catalog.area(v.areaId), await p.catalog.channel(v.channelId));
}

const booking = async (p: Platform, orderId: string) => bookingOf(p, await viewOrder(p.db, p.vault, orderId));

async function product(p: Platform, id: string) {
  try {
    return await p.catalog.area(id);
  } catch (e) {
    if (isDomainError(e) && e.code === 'unknown_area')
      throw notFound('INVALID_PRODUCT_ID', `product ${id} does not exist`);
    throw e;
  }
}

const StoredProblem = z.object({ code: z.string().optional(), detail: z.string().optional() });

/**
 * The refusal the first attempt of a booking stored (problem+json), raised again. OCTO
 * answers each as a conflict (UNPROCESSABLE_ENTITY, unless the code is OCTO's own),
 * whatever its kind was.
 */
function storedRefusal(body: unknown): DomainError {
  const p = StoredProblem.safeParse(body);
  const code = p.success && p.data.code && isErrorCode(p.data.code) ? p.data.code : 'UNPROCESSABLE_ENTITY';
  // any declared code, raised as a conflict (the code's own kind is not what OCTO answers)
  return new DomainError<ErrorKind>('conflict', code, (p.success ? p.data.detail : undefined) ?? 'refused');
}

/**
 * OCTO-shaped endpoints (`/octo`) over the same services as `/partner/v1`. Requests are
 * signed like partner requests, or carry `Authorization: Bearer <keyId>.<secret>` for
 * OCTO clients that cannot sign. Errors are OCTO's `{ error, errorMessage }` plus the
 * problem fields (`type`, `code`, `status`, `detail`). Mapping: core/channels/octo.ts.
 */
export function octoRouter(ctx: AppContext): Router {
  const r = Router();
  r.use(signedPartner(ctx, { allowBearer: true }));
  supplierRoutes(r, ctx.platform);
  availabilityRoutes(r, ctx.platform);
  bookingRoutes(r, ctx.platform);
  changeRoutes(r, ctx.platform);
  r.use((req, _res, next) => next(inputError('BAD_REQUEST', `no OCTO endpoint ${req.method} ${req.path}`)));
  r.use(octoErrors);
  return r;
}

/** The supplier and its products (an OCTO product is a scenic area). */
function supplierRoutes(r: Router, p: Platform): void {
  r.get('/supplier', (_req, res) => {
    res.json({
      id: 'scenic',
      name: 'Scenic',
      endpoint: `${p.cfg.SCENIC_PUBLIC_URL ?? ''}/octo`,
      contact: { website: null, email: null, telephone: null, address: null },
    });
  });

  r.get('/products', async (_req, res) => {
    const areas = await listAreas(p.db);
    res.json(await Promise.all(areas.map(async (a) => octoProduct(await p.catalog.area(a.id)))));
  });

  r.get('/products/:productId', async (req, res) => {
    res.json(octoProduct(await product(p, String(req.params.productId))));
  });
}

/** Availability (time slots of days) and the calendar, as the partner's channel sees them. */
function availabilityRoutes(r: Router, p: Platform): void {
  const days = async (q: AvailabilityRequest, areaId: string, channelId: string) => {
    const channel = await p.catalog.channel(channelId);
    const area = await p.catalog.area(areaId);
    return Promise.all(
      requestedDates(q).map(async (d) =>
        pricedAvailability(
          p.db,
          area,
          channel,
          await channelAvailability(p.catalog, p.inventory, p.redis, channel, areaId, d),
          p.clock.now(),
        ),
      ),
    );
  };

  r.post('/availability', async (req, res) => {
    const q = parseInput(AvailabilityRequest, req.body, 'BAD_REQUEST');
    checkOption(q.optionId);
    const area = await product(p, q.productId);
    const channelId = actorOf(res).channelId!;
    const units = (q.units ?? []).reduce(
      (s, u) => s + u.quantity * (area.products.get(u.id)?.persons ?? 1),
      0,
    );
    let list = (await days(q, area.id, channelId)).flatMap((d) => octoAvailability(area, d, units));
    if (q.availabilityIds?.length) list = list.filter((a) => q.availabilityIds!.includes(a.id));
    res.json(list);
  });

  r.post('/availability/calendar', async (req, res) => {
    const q = parseInput(AvailabilityRequest, req.body, 'BAD_REQUEST');
    checkOption(q.optionId);
    const area = await product(p, q.productId);
    res.json((await days(q, area.id, actorOf(res).channelId!)).map(octoCalendarDay));
  });
}

/** Reserve (a hold), list and read bookings. */
function bookingRoutes(r: Router, p: Platform): void {
  r.post('/bookings', async (req, res) => {
    const b = parseInput(BookingRequest, req.body, 'BAD_REQUEST');
    const area = await product(p, b.productId);
    const input = bookingToOrder(b, area);
    const out = await createPartnerOrder(
      p.orders,
      actorOf(res),
      input,
      (e) => problemBody(e, req.originalUrl),
      { holdSeconds: (b.expirationMinutes ?? 30) * 60 },
    );
    if (out.status >= 400) throw storedRefusal(out.body);
    // the stored answer is the order view: no second read on the hot path
    res.json(octoBooking(out.body as OrderView, area, await p.catalog.channel(actorOf(res).channelId!)));
  });

  // OCTO's booking list: this reseller's bookings only, newest first, at most LIST_LIMIT
  r.get('/bookings', async (req, res) => {
    const f = bookingFilters(parseInput(BookingListQuery, req.query, 'BAD_REQUEST'));
    const rows = await listPartnerOrders(
      p.db,
      actorOf(res),
      { areaId: f.productId, orderId: f.orderId, from: f.from, to: f.to },
      LIST_LIMIT,
    );
    const views = await viewOrders(p.db, p.vault, rows);
    res.json(await Promise.all(views.map((v) => bookingOf(p, v))));
  });

  r.get('/bookings/:uuid', async (req, res) => {
    const { uuid } = parseInput(Uuid, req.params, 'INVALID_BOOKING_UUID');
    const o = await findPartnerOrder(p.db, actorOf(res), uuid);
    res.json(await booking(p, o.id));
  });
}

/** Confirm, move (reschedule), extend and cancel a booking. */
function changeRoutes(r: Router, p: Platform): void {
  r.post('/bookings/:uuid/confirm', async (req, res) => {
    const { uuid } = parseInput(Uuid, req.params, 'INVALID_BOOKING_UUID');
    const v = await confirmPartnerOrder(p.orders, actorOf(res), uuid);
    res.json(await booking(p, v.id));
  });

  // OCTO booking update: a confirmed booking moves to another availability (reschedule)
  r.patch('/bookings/:uuid', async (req, res) => {
    const { uuid } = parseInput(Uuid, req.params, 'INVALID_BOOKING_UUID');
    const u = parseInput(BookingUpdateRequest, req.body ?? {}, 'BAD_REQUEST');
    if (u.optionId) checkOption(u.optionId);
    const o = await findPartnerOrder(p.db, actorOf(res), uuid);
    if (u.productId && u.productId !== o.area_id)
      throw notFound(
        'INVALID_PRODUCT_ID',
        `booking ${uuid} is for product ${o.area_id}; a booking cannot change product`,
      );
    const v = await reschedulePartnerOrder(
      p.orders,
      actorOf(res),
      uuid,
      availabilitySlot(u.availabilityId, await p.catalog.area(o.area_id)),
    );
    res.json(await booking(p, v.id));
  });

  // OCTO extend: keep an ON_HOLD booking for expirationMinutes (1–60, default 30) from now
  r.post('/bookings/:uuid/extend', async (req, res) => {
    const { uuid } = parseInput(Uuid, req.params, 'INVALID_BOOKING_UUID');
    const input = parseInput(ExtendHoldInput, req.body ?? {}, 'BAD_REQUEST');
    const v = await extendPartnerOrder(p.orders, actorOf(res), uuid, input);
    res.json(await booking(p, v.id));
  });

  const cancel = async (req: Request, res: Response) => {
    const { uuid } = parseInput(Uuid, req.params, 'INVALID_BOOKING_UUID');
    const { reason } = parseInput(
      z.object({ reason: z.string().max(400).optional() }),
      req.body ?? {},
      'BAD_REQUEST',
    );
    res.json(await cancelBooking(p, actorOf(res), uuid, reason));
  };
  r.post('/bookings/:uuid/cancel', cancel);
  r.delete('/bookings/:uuid', cancel);
}

/** OCTO cancel: a hold is given up, a confirmed booking refunded (every unused ticket). */
async function cancelBooking(p: Platform, actor: Actor, uuid: string, reason: string | undefined) {
  const o = await findPartnerOrder(p.db, actor, uuid);
  if (o.status === 'held') await endHold(p.orders, o.id, 'cancelled', actor);
  else if (o.status === 'issued' || o.status === 'partially_refunded')
    await refundOrder(p.orders, actor, o.id, {
      reason: 'other',
      note: reason ? `OCTO cancel: ${reason}`.slice(0, 500) : 'OCTO cancel',
    });
  return booking(p, o.id);
}

/** OCTO's error body, carrying the problem fields too; 5xx go on to the app's handler. */
const octoErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (!isDomainError(err)) return next(err);
  const problem = problemBody(err, req.originalUrl);
  const error = octoErrorCode(err);
  const status = octoStatus(error, problem.status);
  res.status(status).json({ error, errorMessage: err.message, ...problem.body, status });
};

export const octoFeature: Feature = {
  name: 'octo',
  early: (app, ctx) => app.use('/octo', octoRouter(ctx)),
};
