import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import { conflict, inputError, type FieldIssue } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { ComboComponentRow } from '../db/tables.js';
import type { ComboSessions } from './inputs.js';
import { componentsOf } from './store.js';
import { releaseSeats, reserveSeats, type SeatRequest } from './stock.js';

/**
 * The order path's side of combos (issue 18): which seats an order's combo tickets need,
 * taking them right after the entry stock (all or none), and booking them with the tickets.
 * core/orders/place.ts calls these four functions and nothing else of this module.
 */

/** One ticket's seat(s) on one component's session. */
export interface ComboSeat {
  ticketId: string;
  componentId: string;
  sessionId: string;
  seats: number;
  capacity: number;
  value: number;
}
export interface ComboPlan {
  seats: ComboSeat[];
}
export const NO_COMBO: ComboPlan = { seats: [] };

interface PlannedTicket {
  id: string;
  product: { id: string; kind: string; persons: number };
}

/**
 * The seats an order needs: one per person of each combo ticket on every component of its
 * product, on the session the visitor picked (a component with one session needs no pick).
 * Only `combo` products are looked up, so an ordinary order costs no query.
 */
export async function planCombo(
  db: Knex,
  areaId: string,
  picked: ComboSessions | undefined,
  tickets: readonly PlannedTicket[],
): Promise<ComboPlan> {
  const products = [...new Set(tickets.filter((t) => t.product.kind === 'combo').map((t) => t.product.id))];
  if (!products.length) return NO_COMBO;
  const byProduct = new Map<string, ComboComponentRow[]>();
  for (const id of products) byProduct.set(id, await componentsOf(db, areaId, id));
  const problems: FieldIssue[] = [];
  const sessionOf = (c: ComboComponentRow) => {
    const id = picked?.[c.id] ?? (c.sessions.length === 1 ? c.sessions[0]!.id : undefined);
    const s = c.sessions.find((x) => x.id === id);
    if (!s)
      problems.push({
        path: `sessions.${c.id}`,
        message: id ? `${c.name} has no session ${id}` : `pick a session of ${c.name}`,
      });
    return s;
  };
  const seats: ComboSeat[] = [];
  for (const t of tickets)
    for (const c of byProduct.get(t.product.id) ?? []) {
      const s = sessionOf(c);
      if (s)
        seats.push({
          ticketId: t.id,
          componentId: c.id,
          sessionId: s.id,
          seats: t.product.persons,
          capacity: s.capacity,
          value: c.value,
        });
    }
  if (problems.length) throw inputError('combo_session_required', problems[0]!.message, problems);
  return { seats };
}

/** Where a placement's seats live: the area-day and the order's reservation id. */
export interface SeatScope {
  redis: Redis;
  areaId: string;
  date: string;
  resId: string;
  nowMs: number;
}

/**
 * Takes the plan's seats once the entry stock is taken. A session short of seats refuses
 * the whole order: `giveBackEntry` returns the entry stock first, so the order leaves
 * nothing taken anywhere (the Lua script itself takes every component's seats or none).
 */
export async function takeComboSeats(
  s: SeatScope,
  plan: ComboPlan,
  giveBackEntry: () => Promise<unknown>,
): Promise<void> {
  if (!plan.seats.length) return;
  const wants = new Map<string, SeatRequest>();
  for (const seat of plan.seats) {
    const key = `${seat.componentId}|${seat.sessionId}`;
    const w = wants.get(key);
    if (w) w.seats += seat.seats;
    else wants.set(key, { ...seat });
  }
  let r;
  try {
    r = await reserveSeats(s.redis, s.areaId, s.date, s.resId, [...wants.values()], s.nowMs);
  } catch (e) {
    await giveBackEntry();
    throw e;
  }
  if (r.ok) return;
  await giveBackEntry();
  throw conflict(
    'combo_component_sold_out',
    `${r.refused.componentId} at ${r.refused.sessionId} has fewer than ${r.refused.seats} seats left`,
    { componentId: r.refused.componentId, sessionId: r.refused.sessionId },
  );
}

/** Books the seats with the held order's tickets, in its transaction. */
export async function writeComboBookings(
  trx: Knex.Transaction,
  plan: ComboPlan,
  o: { orderId: string; areaId: string; date: string; now: Date },
): Promise<void> {
  if (!plan.seats.length) return;
  await trx('combo_bookings').insert(
    plan.seats.map((s) => ({
      id: uuidv7(o.now.getTime()),
      order_id: o.orderId,
      ticket_id: s.ticketId,
      area_id: o.areaId,
      component_id: s.componentId,
      session_id: s.sessionId,
      visit_date: o.date,
      units: s.seats,
      value: s.value,
      status: 'active' as const,
      created_at: o.now,
    })),
  );
}

/** An order that is certainly not in the books gives its seats back too. */
export async function releaseComboSeats(s: SeatScope, plan: ComboPlan): Promise<void> {
  if (plan.seats.length) await releaseSeats(s.redis, s.areaId, s.date, s.resId, 'all');
}
