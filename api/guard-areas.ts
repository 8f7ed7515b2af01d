import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from './context.js';
import { notFound, type DomainError } from '../core/errors.js';
import { parseInput } from '../core/validation.js';
import { loadOrder } from '../core/orders/store.js';
import { viewRefund } from '../core/orders/refunds.js';
import { paymentError } from '../core/payments/errors.js';
import { getEmergency } from '../core/channels/emergency.js';
import { deviceKeyScope } from '../core/auth/api-keys.js';
import { accountScope } from '../core/auth/accounts.js';
import { ALL_AREAS, type AreaScope } from '../core/auth/scope.js';

/**
 * Where a guarded route (`allow` in api/context.ts) finds the area of what it touches.
 * Loaded resources (an order, an emergency session, an account, a device key) are left
 * in `res.locals` under their name, so the handler does not read them twice.
 */
export type AreaSource =
  /** the route's path parameter (`:areaId`) */
  | { from: 'param'; name: string }
  /** a field of the JSON body: an area id, a list of them, or `'*'` */
  | { from: 'body'; name: string }
  /** a query parameter; missing = every area (only an all-areas caller) */
  | { from: 'query'; name: string }
  /** the area of the order named by this path parameter */
  | { from: 'order'; param: string }
  /** the area of the order the refund named by this path parameter gives money back for */
  | { from: 'refund'; param: string }
  /** the area of the emergency session named by this path parameter */
  | { from: 'emergency'; param: string }
  /** the areas of the account named by this path parameter (all of them) */
  | { from: 'account'; param: string }
  /** the areas of the device key named by this path parameter (all of them) */
  | { from: 'device-key'; param: string }
  /** an environment variable read per request (the staff page's gate agent); unset = every area */
  | { from: 'env'; name: string }
  /** platform-wide: every area */
  | { from: 'platform' }
  /** no area: the caller's own account */
  | { from: 'self' };

export const areaParam = (name = 'areaId'): AreaSource => ({ from: 'param', name });
export const areaInBody = (name = 'areaId'): AreaSource => ({ from: 'body', name });
export const areaInQuery = (name = 'areaId'): AreaSource => ({ from: 'query', name });
export const ofOrder = (param = 'id'): AreaSource => ({ from: 'order', param });
export const ofRefund = (param = 'id'): AreaSource => ({ from: 'refund', param });
export const ofEmergency = (param = 'id'): AreaSource => ({ from: 'emergency', param });
export const ofAccount = (param = 'id'): AreaSource => ({ from: 'account', param });
export const ofDeviceKey = (param = 'id'): AreaSource => ({ from: 'device-key', param });
export const PLATFORM: AreaSource = { from: 'platform' };
export const SELF: AreaSource = { from: 'self' };

/** The areas to check (`'*'`: every area, null: none), and the 404 to answer instead of "not yours". */
export type ResolvedArea = { areas: AreaScope | null; hidden?: DomainError } | { error: unknown };

const Uuid = (param: string) => z.object({ [param]: z.uuid() });
const Slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

/** The scope of a managed account or key; one with no area is managed by platform admins only. */
const managed = (s: AreaScope): AreaScope => (s !== ALL_AREAS && s.length === 0 ? ALL_AREAS : s);

function fromValue(v: unknown): AreaScope | null {
  if (v === ALL_AREAS) return ALL_AREAS;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  // not an area: the handler's own validation answers 400 naming the field
  return null;
}

export async function resolveArea(
  ctx: AppContext,
  src: AreaSource,
  req: Request,
  res: Response,
): Promise<ResolvedArea> {
  const db = ctx.platform.db;
  try {
    switch (src.from) {
      case 'param': {
        const v = req.params[src.name];
        return { areas: typeof v === 'string' && Slug.safeParse(v).success ? [v] : null };
      }
      case 'body':
        return { areas: fromValue((req.body as Record<string, unknown> | undefined)?.[src.name]) };
      case 'query': {
        const v = req.query[src.name];
        return { areas: v === undefined ? ALL_AREAS : fromValue(v) };
      }
      case 'order': {
        const id = parseInput(Uuid(src.param), req.params, 'invalid_order_id')[src.param] as string;
        const o = await loadOrder(db, id);
        res.locals.order = o;
        return { areas: [o.area_id], hidden: notFound('order_not_found', `no order ${id}`) };
      }
      case 'refund': {
        const id = parseInput(Uuid(src.param), req.params)[src.param] as string;
        const r = await viewRefund(db, id);
        res.locals.refund = r;
        return { areas: [r.areaId], hidden: paymentError('refund_not_found', 'no such refund') };
      }
      case 'emergency': {
        const id = parseInput(Uuid(src.param), req.params)[src.param] as string;
        const s = await getEmergency(db, id);
        res.locals.emergency = s;
        return { areas: [s.areaId], hidden: notFound('emergency_not_found', `no emergency session ${id}`) };
      }
      case 'account': {
        const id = String(req.params[src.param]);
        const areas = await accountScope(db, id);
        return { areas: managed(areas), hidden: notFound('account_not_found', `no account ${id}`) };
      }
      case 'device-key': {
        const id = String(req.params[src.param]);
        const areas = await deviceKeyScope(db, id);
        return { areas: managed(areas), hidden: notFound('device_key_not_found', `no device key ${id}`) };
      }
      case 'env': {
        const v = process.env[src.name];
        return { areas: v ? [v] : ALL_AREAS };
      }
      case 'platform':
        return { areas: ALL_AREAS };
      case 'self':
        return { areas: null };
    }
  } catch (e) {
    return { error: e };
  }
}
