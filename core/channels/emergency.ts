import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, inputError, notAllowed, notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { isUniqueViolation, UNIQUE_CONSTRAINTS } from '../db/errors.js';
import type { EmergencySessionRow } from '../db/tables.js';
import type { Inventory, ReserveRequest, ReserveResult } from '../inventory/inventory.js';
import type { AreaConfig } from '../catalog/catalog.js';
import type { Actor } from '../orders/model.js';
import { type OrderDeps } from '../orders/store.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';
import { WalkUpInput, settleAtCounter, type Sale } from './box-office.js';
import { placeOrder } from '../orders/place.js';
import { can } from '../auth/scope.js';

/**
 * Emergency manual mode. When the central stock (Redis) is degraded, a supervisor opens
 * a session for an area-day with a number of units it may sell — at most the on-site
 * reserve (the units between the orange and red thresholds). Staff then sell cash/card
 * tickets in it: each sale still tries the stock with every rule (a reachable stock's
 * refusal stands), and when the stock does not answer within the budget the sale counts
 * only against the session's allowance, kept in Postgres. Every session, sale and
 * whether the stock was reachable is recorded; the reconciler later re-records the sold
 * tickets in Redis from Postgres (it adopts live orders missing there).
 *
 * Allowance first, order second: a crash in between loses a unit of allowance (undersell),
 * never oversells.
 */
export const OpenEmergencyInput = z.object({
  areaId: z.string().min(1),
  date: z.iso.date(),
  maxUnits: z.number().int().min(1).max(100_000),
  reason: z.string().trim().min(3).max(500),
});
export type OpenEmergencyInput = z.output<typeof OpenEmergencyInput>;

export const EmergencySaleInput = WalkUpInput.extend({ date: z.iso.date() });
export type EmergencySaleInput = z.output<typeof EmergencySaleInput>;

/** Units between the orange and red thresholds: what on-site channels keep for themselves. */
export function onsiteReserveUnits(area: Pick<AreaConfig, 'dailyCapacity' | 'thresholds'>): number {
  return (
    Math.floor((area.dailyCapacity * area.thresholds.red) / 100) -
    Math.floor((area.dailyCapacity * area.thresholds.orange) / 100)
  );
}

export interface EmergencySession {
  id: string;
  areaId: string;
  date: string;
  maxUnits: number;
  usedUnits: number;
  openedBy: string;
  reason: string;
  openedAt: string;
  closedAt: string | null;
}

const toSession = (r: EmergencySessionRow): EmergencySession => ({
  id: r.id,
  areaId: r.area_id,
  date: r.visit_date,
  maxUnits: r.max_units,
  usedUnits: r.used_units,
  openedBy: r.opened_by,
  reason: r.reason,
  openedAt: r.opened_at.toISOString(),
  closedAt: r.closed_at ? r.closed_at.toISOString() : null,
});

export async function openEmergency(
  d: OrderDeps,
  actor: Actor,
  input: OpenEmergencyInput,
): Promise<EmergencySession> {
  if (!can(actor, 'emergency.manage'))
    throw notAllowed(
      'supervisor_required',
      'only a supervisor (area manager or admin) opens emergency manual mode',
    );
  const area = await d.catalog.area(input.areaId);
  const reserve = onsiteReserveUnits(area);
  if (input.maxUnits > reserve)
    throw inputError('beyond_onsite_reserve', `at most the on-site reserve of ${reserve} units`, [
      { path: 'maxUnits', message: `at most ${reserve}` },
    ]);
  const now = d.clock.now();
  const id = uuidv7(now.getTime());
  try {
    await d.db.transaction(async (trx) => {
      await trx('emergency_sessions').insert({
        id,
        area_id: area.id,
        visit_date: input.date,
        opened_by: `${actor.kind}:${actor.id}`,
        reason: input.reason,
        max_units: input.maxUnits,
        opened_at: now,
      });
      await audit(trx, actor, 'scenic.emergency.opened', `emergency:${id}`, {
        areaId: area.id,
        date: input.date,
        maxUnits: input.maxUnits,
        reason: input.reason,
      });
      await outbox(trx, 'channel.emergency_opened', id, {
        areaId: area.id,
        date: input.date,
        maxUnits: input.maxUnits,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e, UNIQUE_CONSTRAINTS.openEmergencySession))
      throw conflict('emergency_already_open', 'an emergency session is already open for this area-day');
    throw e;
  }
  return getEmergency(d.db, id);
}

export async function getEmergency(db: Knex, id: string): Promise<EmergencySession> {
  const r = await db('emergency_sessions').where({ id }).first();
  if (!r) throw notFound('emergency_not_found', `no emergency session ${id}`);
  return toSession(r);
}

export async function closeEmergency(d: OrderDeps, actor: Actor, id: string): Promise<EmergencySession> {
  if (!can(actor, 'emergency.manage'))
    throw notAllowed(
      'supervisor_required',
      'only a supervisor (area manager or admin) closes emergency manual mode',
    );
  await d.db.transaction(async (trx) => {
    const n = await trx('emergency_sessions')
      .where({ id })
      .whereNull('closed_at')
      .update({ closed_at: d.clock.now(), closed_by: `${actor.kind}:${actor.id}` });
    if (!n) throw conflict('emergency_not_open', 'this emergency session is not open');
    const sold = await trx('emergency_sales').where({ session_id: id }).select('units', 'stock_unreachable');
    await audit(trx, actor, 'scenic.emergency.closed', `emergency:${id}`, {
      sales: sold.length,
      units: sold.reduce((s, x) => s + x.units, 0),
      unreachable: sold.filter((x) => x.stock_unreachable).length,
    });
  });
  return getEmergency(d.db, id);
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/**
 * The inventory as an emergency sale sees it: the real one when it answers in time,
 * otherwise "accepted" (the session's allowance is the limit). `state.unreachable` says
 * what happened. (A prototype-linked view, so every other method is the real one.)
 */
export function degradedInventory(
  real: Inventory,
  budgetMs: number,
): { inventory: Inventory; state: { unreachable: boolean } } {
  const state = { unreachable: false };
  const inv = Object.create(real) as Inventory;
  inv.reserve = async (req: ReserveRequest, mode?: boolean | { claim: string }): Promise<ReserveResult> => {
    try {
      return await within(real.reserve(req, mode), budgetMs);
    } catch {
      state.unreachable = true;
      return { ok: true, duplicate: false, level: 'green', dayUsed: 0, slotUsed: 0, slotCapacity: 0 };
    }
  };
  inv.confirm = async (areaId, date, resId) => {
    if (state.unreachable) return 'confirmed';
    return within(real.confirm(areaId, date, resId), budgetMs).catch(
      () => ((state.unreachable = true), 'confirmed' as const),
    );
  };
  inv.release = async (areaId, date, resId, mode) =>
    within(real.release(areaId, date, resId, mode), budgetMs).catch(() => ({
      released: 0,
      level: 'green' as const,
      dayUsed: 0,
    }));
  return { inventory: inv, state };
}

/** One cash/card sale in an open emergency session (recorded, capped by the session). */
export async function emergencySale(
  d: OrderDeps,
  actor: Actor,
  sessionId: string,
  input: EmergencySaleInput,
  opts: { budgetMs?: number } = {},
): Promise<
  Sale & { emergency: { sessionId: string; stockUnreachable: boolean; usedUnits: number; maxUnits: number } }
> {
  if (input.payment.method === 'qr')
    throw notAllowed(
      'payment_method_not_allowed',
      'emergency sales take cash or card only (the gateway may be down too)',
    );
  const area = await d.catalog.area(input.areaId);
  const units = input.items.reduce(
    (s, i) => s + i.visitors.length * (area.products.get(i.productId)?.persons ?? 1),
    0,
  );
  const session = await getEmergency(d.db, sessionId);
  if (session.closedAt) throw conflict('emergency_not_open', 'this emergency session is closed');
  if (session.areaId !== input.areaId || session.date !== input.date)
    throw inputError('emergency_wrong_day', `this session sells ${session.areaId} on ${session.date}`, [
      { path: 'date', message: 'not the session day' },
    ]);
  const took = await d
    .db('emergency_sessions')
    .where({ id: sessionId })
    .whereNull('closed_at')
    .andWhereRaw('used_units + ? <= max_units', [units])
    .increment('used_units', units);
  if (!took)
    throw conflict(
      'emergency_reserve_exhausted',
      `the session's allowance of ${session.maxUnits} units would be exceeded`,
    );
  const { inventory, state } = degradedInventory(d.inventory, opts.budgetMs ?? 1_500);
  const deps: OrderDeps = { ...d, inventory, onHoldPlaced: undefined, onStockFreed: undefined };
  try {
    const { accessToken: _t, ...held } = await placeOrder(deps, actor, {
      ...input,
      channelId: actor.channelId ?? undefined,
      coupons: input.coupons,
    });
    const sale = await settleAtCounter(deps, actor, held, input.payment);
    const now = d.clock.now();
    await d.db.transaction(async (trx) => {
      await trx('emergency_sales').insert({
        order_id: held.id,
        session_id: sessionId,
        sold_by: `${actor.kind}:${actor.id}`,
        units,
        stock_unreachable: state.unreachable,
        at: now,
      });
      await audit(trx, actor, 'scenic.emergency.sale', held.id, {
        sessionId,
        units,
        stockUnreachable: state.unreachable,
        method: input.payment.method,
        amount: held.amountTotal,
      });
    });
    const s = await getEmergency(d.db, sessionId);
    return {
      ...sale,
      emergency: {
        sessionId,
        stockUnreachable: state.unreachable,
        usedUnits: s.usedUnits,
        maxUnits: s.maxUnits,
      },
    };
  } catch (e) {
    await d.db('emergency_sessions').where({ id: sessionId }).decrement('used_units', units);
    throw e;
  }
}
