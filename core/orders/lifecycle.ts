import { releaseOtherLegs, releaseRefunded } from '../joint/legs.js';
import { endComboHold, refundComboTickets, refuseComboReschedule } from '../combos/lifecycle.js';
import { conflict, inputError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { addDays, localParts } from '../time.js';
import { issueTickets } from './issue.js';
import { crashPoint } from '../faults.js';
import { refusalError } from '../inventory/errors.js';
import { BOOKING_HORIZON_DAYS } from './place.js';
import { systemActor, type Actor, type OrderView } from './model.js';
import type { RefundInput, RescheduleInput } from './inputs.js';
import { loadOrder, loadTickets, viewOrder, type OrderDeps, type OrderOutcome } from './store.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';
import type { RefundStatus } from '../db/tables.js';
import { bookRefund, salePaymentOf, sendRefund } from './refunds.js';
import { bookFee, refundTerms, rescheduleTerms } from '../policies/apply.js';
import { cancelPassBookings, passRefundCase } from '../passes/refund.js';
import { movedTickets } from './moved-tickets.js';
import { groupRefundCase } from '../groups/place.js';

/**
 * Ends an unpaid hold: `expired` when its time ran out (only then), `cancelled` when
 * its owner gives it up. The stock is released while the order row is locked, so a
 * payment arriving at the same moment sees either a live hold or a closed order.
 */
export async function endHold(
  d: OrderDeps,
  orderId: string,
  how: 'expired' | 'cancelled',
  actor: Actor = systemActor('hold-expiry'),
): Promise<boolean> {
  const now = d.clock.now();
  let freed: { areaId: string; date: string; slotId: string } | undefined;
  let outcome: OrderOutcome | undefined;
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    if (o.status !== 'held') {
      if (how === 'cancelled' && o.status !== 'expired' && o.status !== 'cancelled')
        throw conflict('order_not_cancellable', `order is ${o.status}; refund it instead`);
      return;
    }
    if (how === 'expired' && o.expires_at && o.expires_at > now) return;
    await d.inventory.release(o.area_id, o.visit_date, o.res_id, 'all');
    await releaseOtherLegs(d, trx, o); // a joint order's other areas (core/joint)
    await endComboHold(d, trx, o); // a combo's component seats (core/combos)
    await trx('orders').where({ id: o.id }).update({ status: how, updated_at: now });
    const voided = await trx('tickets')
      .where({ order_id: o.id, status: 'pending' })
      .update({ status: 'void' });
    await outbox(trx, `order.${how}`, o.id, {
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
    });
    await audit(trx, actor, `scenic.order.${how}`, o.id);
    freed = { areaId: o.area_id, date: o.visit_date, slotId: o.slot_id };
    outcome = {
      kind: how,
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
      tickets: voided,
      amount: o.amount_total,
    };
  });
  if (outcome) d.onOutcome?.(outcome);
  if (freed) d.onStockFreed?.(freed.areaId, freed.date, freed.slotId);
  return freed !== undefined;
}

/** Held orders whose time ran out, oldest first (the sweeper's input). */
export async function overdueHolds(d: OrderDeps, limit = 500): Promise<string[]> {
  const rows: { id: string }[] = await d
    .db('orders')
    .where({ status: 'held' })
    .andWhere('expires_at', '<=', d.clock.now())
    .orderBy('expires_at')
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}

/**
 * However often a hold is extended, it ends this long after it was placed: stock held
 * by a partner that never pays must come back to the other channels.
 */
export const HOLD_LIFETIME_LIMIT_SECONDS = 2 * 3600;

/**
 * Extends an unpaid hold to `seconds` from now (never shortens it), within
 * HOLD_LIFETIME_LIMIT_SECONDS of its placing. Redis and Postgres move together while
 * the order row is locked, so the expiry job and the sweeper see one expiry. A hold
 * whose time already ran out stays expired: extending cannot revive it.
 */
export async function extendHold(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  seconds: number,
): Promise<OrderView> {
  if (!Number.isInteger(seconds) || seconds < 1)
    throw inputError('invalid_input', 'the extension must be a whole number of seconds, at least 1', [
      { path: 'expirationMinutes', message: 'at least 1 minute' },
    ]);
  const now = d.clock.now();
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    if (o.status === 'expired' || (o.status === 'held' && o.expires_at && o.expires_at <= now))
      throw conflict('hold_expired', 'the hold on this order has expired; create a new order');
    if (o.status !== 'held')
      throw conflict('order_not_held', `order is ${o.status}; only an unpaid hold can be extended`);
    const limit = o.created_at.getTime() + HOLD_LIFETIME_LIMIT_SECONDS * 1000;
    const wanted = Math.min(now.getTime() + seconds * 1000, limit);
    const current = o.expires_at?.getTime() ?? 0;
    if (wanted <= current) return; // already held at least that long (or at the limit)
    const r = await d.inventory.extend(o.area_id, o.visit_date, o.res_id, wanted);
    if (r === 'expired' || r === 'missing')
      throw conflict('hold_expired', 'the hold on this order has expired; create a new order');
    const at = new Date(wanted);
    await trx('orders').where({ id: o.id }).update({ expires_at: at, updated_at: now });
    await audit(trx, actor, 'scenic.order.hold_extended', o.id, {
      from: o.expires_at?.toISOString() ?? null,
      to: at.toISOString(),
    });
  });
  return viewOrder(d.db, d.vault, orderId);
}

export interface RefundResult {
  order: OrderView;
  /** `amount`: paid back; `fee`: kept by the product's policy (both fen) */
  refund: { id: string; amount: number; fee: number; status: RefundStatus; ticketIds: string[] };
}

/**
 * Refunds some or all unused tickets of a paid order. Tickets are revoked and their
 * stock released in the same transaction that books the refund; the money goes back
 * through the channel that took it (core/orders/refunds.ts) — the provider's refund API
 * after the commit (a refused or unsent refund is retried), the counter for cash and
 * card, the partner's statement for a partner-account order — whoever asks for it.
 */
export async function refundOrder(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: RefundInput,
): Promise<RefundResult> {
  const now = d.clock.now();
  let refundId = '';
  let amount = 0;
  let fee = 0;
  let ticketIds: string[] = [];
  let freed: { areaId: string; date: string; slotId: string } | undefined;
  let release: (() => Promise<unknown>) | undefined;
  let outcome: OrderOutcome | undefined;
  let timezone: string | undefined;
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    if (o.status === 'held') throw conflict('order_not_paid', 'this order is not paid; cancel it instead');
    if (o.status !== 'issued' && o.status !== 'partially_refunded')
      throw conflict('order_not_refundable', `order is ${o.status}`);
    const tickets = await loadTickets(trx, o.id, true);
    const valid = tickets.filter((t) => t.status === 'valid');
    const chosen = input.ticketIds ? tickets.filter((t) => input.ticketIds!.includes(t.id)) : valid;
    if (input.ticketIds && chosen.length !== new Set(input.ticketIds).size) {
      throw inputError('unknown_ticket', 'a ticket id does not belong to this order', [
        { path: 'ticketIds', message: 'not in this order' },
      ]);
    }
    const area = await d.catalog.area(o.area_id);
    timezone = area.timezone;
    // a used annual pass may refund its days not begun (core/passes), never in full
    const pass = await passRefundCase(trx, { area_id: o.area_id, timezone: area.timezone, now }, chosen);
    // a group's no-shows after its day, the entered persons kept as used (core/groups)
    const group = groupRefundCase(pass.tickets, o.visit_date, localParts(now, area.timezone).date);
    for (const t of chosen) {
      if (t.status !== 'valid') throw conflict('ticket_not_refundable', `ticket ${t.id} is ${t.status}`);
      if (t.entries_used > 0 && !pass.usedPasses.has(t.id) && !group.usedGroups.has(t.id))
        throw conflict('ticket_used', `ticket ${t.id} has been used at a gate`);
    }
    if (!chosen.length) throw conflict('nothing_to_refund', 'no valid tickets left on this order');
    ticketIds = chosen.map((t) => t.id);
    const all = chosen.length === valid.length;
    // the product's policy (core/policies): deadline, fee, partial refunds, the same in every channel
    const terms = refundTerms(area, o, group.tickets, {
      now,
      wholeOrder: all,
      actor,
      reason: input.reason,
    });
    amount = terms.amount;
    fee = terms.fee;
    // a combo's seats; refused when one of its components was used (core/combos)
    const seats = await refundComboTickets(d, trx, o, ticketIds);
    // area by area: a joint order's tickets hold stock at several areas (core/joint)
    release = () => releaseRefunded(d, o, chosen, valid).then(seats);
    // a bound NFC/IC card comes off with the refund (core/cards): it may open another ticket
    await trx('tickets')
      .whereIn('id', ticketIds)
      .update({ status: 'refunded', revoked_at: now, card_uid: null });
    await trx('orders')
      .where({ id: o.id })
      .update({
        status: all ? 'refunded' : 'partially_refunded',
        amount_refunded: o.amount_refunded + amount,
        updated_at: now,
      });
    refundId = await bookRefund(trx, d, {
      order: o,
      payment: await salePaymentOf(trx, o.id),
      amount,
      reason: input.reason,
      reasonText: input.note,
      actor,
      ticketIds,
    });
    await bookFee(trx, { order: o, kind: 'refund', amount: fee, ticketIds, refundId, actor, now });
    await outbox(trx, 'order.refunded', o.id, {
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
      ticketIds,
      amount,
      fee,
      reason: input.reason,
    });
    await audit(trx, actor, 'scenic.order.refunded', o.id, {
      ticketIds,
      amount,
      fee,
      reason: input.reason,
      ...(pass.spent ? { passValueSpent: pass.spent } : {}),
    });
    freed = { areaId: o.area_id, date: o.visit_date, slotId: o.slot_id };
    outcome = {
      kind: 'refunded',
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
      tickets: ticketIds.length,
      amount,
      reason: input.reason,
    };
  });
  // The stock goes back only once the refund is committed: a rollback or a crash before
  // this line leaves Redis holding too much (the reconciler frees it), never too little
  // (which would sell seats the books still count as sold).
  crashPoint('refund.before-release');
  await release?.();
  // a refunded pass's bookings to come give their stock back too (core/passes)
  if (timezone)
    await cancelPassBookings(d.db, d.log, ticketIds, localParts(now, timezone).date, (id) =>
      refundOrder(d, systemActor('pass-refunded'), id, { reason: 'other' }),
    );
  if (outcome) d.onOutcome?.(outcome);
  if (freed) d.onStockFreed?.(freed.areaId, freed.date, freed.slotId);
  const status = await sendRefund(d, refundId);
  return {
    order: await viewOrder(d.db, d.vault, orderId),
    refund: { id: refundId, amount, fee, status, ticketIds },
  };
}

/**
 * Moves a paid order's unused tickets to another date or slot. The new stock is
 * taken first (with every rule of a sale), then the old is released, while the order
 * row is locked; Postgres commits the move in one transaction, and the reconciler
 * repairs Redis from it if the process dies in between. Old tickets are revoked and
 * new ones issued, because a QR code carries its date and slot.
 */
export async function rescheduleOrder(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: RescheduleInput,
): Promise<OrderView> {
  const now = d.clock.now();
  let freed: { areaId: string; date: string; slotId: string; resId: string } | undefined;
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    if (o.status !== 'issued' && o.status !== 'partially_refunded')
      throw conflict('order_not_reschedulable', `order is ${o.status}`);
    if (o.visit_date === input.date && o.slot_id === input.slotId)
      throw inputError('same_slot', 'the order is already for this date and slot', [
        { path: 'date', message: 'unchanged' },
      ]);
    const area = await d.catalog.area(o.area_id);
    const all = await loadTickets(trx, o.id, true);
    // a joint order (tickets at several areas, core/joint) is refused in every channel: this
    // move takes and frees stock at the order's own area only
    if (all.some((t) => t.area_id !== o.area_id))
      throw conflict(
        'joint_not_reschedulable',
        'a joint ticket valid at several areas cannot be moved to another date; refund it and buy again',
      );
    const tickets = all.filter((t) => t.status === 'valid');
    if (!tickets.length) throw conflict('nothing_to_reschedule', 'no valid tickets on this order');
    if (tickets.some((t) => t.entries_used > 0))
      throw conflict('ticket_used', 'a ticket of this order has been used');
    await refuseComboReschedule(trx, o.id); // a combo's seats are for their day (core/combos)
    // the product's policy (core/policies): window, free count, limit and fee, the same in every channel
    const terms = rescheduleTerms(area, o, tickets, now);
    const ids = tickets.map((t) => t.id);
    const local = localParts(now, area.timezone);
    const slot = area.slots.find((s) => s.id === input.slotId);
    if (!slot)
      throw inputError('invalid_order', 'slotId: no such time slot', [
        { path: 'slotId', message: 'no such time slot' },
      ]);
    if (
      input.date < local.date ||
      input.date > addDays(local.date, BOOKING_HORIZON_DAYS) ||
      (input.date === local.date && slot.endsAt <= local.time)
    ) {
      throw inputError('invalid_order', 'date: outside the booking window', [
        { path: 'date', message: 'outside the booking window' },
      ]);
    }
    const channel = await d.catalog.channel(o.channel_id);
    const newRes = uuidv7(now.getTime());
    const taken = await d.inventory.reserve({
      resId: newRes,
      areaId: o.area_id,
      date: input.date,
      slotId: slot.id,
      channelId: o.channel_id,
      channelKind: channel.kind,
      units: tickets.reduce((s, t) => s + t.units, 0),
      idHashes: tickets.map((t) => t.id_hash),
      expiresAt: 0,
    });
    if (!taken.ok) throw refusalError(taken.reason, { level: taken.level });
    try {
      const fresh = movedTickets(tickets, {
        date: input.date,
        slotId: slot.id,
        now,
        fees: new Map(terms.tickets.map((t) => [t.ticketId, t.fee])),
      });
      await trx('tickets')
        .whereIn(
          'id',
          tickets.map((t) => t.id),
        )
        .update({ status: 'rescheduled', revoked_at: now });
      await trx('tickets').insert(fresh);
      const moved = { ...o, visit_date: input.date, slot_id: slot.id, res_id: newRes };
      await trx('orders')
        .where({ id: o.id })
        .update({
          visit_date: input.date,
          slot_id: slot.id,
          res_id: newRes,
          reschedules: o.reschedules + 1,
          updated_at: now,
        });
      await bookFee(trx, { order: o, kind: 'reschedule', amount: terms.fee, ticketIds: ids, actor, now });
      const issued = await issueTickets(trx, await d.keys(), area, moved, fresh, now);
      await outbox(trx, 'order.rescheduled', o.id, {
        areaId: o.area_id,
        from: { date: o.visit_date, slotId: o.slot_id },
        to: { date: input.date, slotId: slot.id },
        revoked: ids,
        issued,
        fee: terms.fee,
      });
      await audit(trx, actor, 'scenic.order.rescheduled', o.id, {
        from: `${o.visit_date}/${o.slot_id}`,
        to: `${input.date}/${slot.id}`,
        fee: terms.fee,
      });
      freed = { areaId: o.area_id, date: o.visit_date, slotId: o.slot_id, resId: o.res_id };
    } catch (e) {
      await d.inventory.release(o.area_id, input.date, newRes, 'all').catch(() => undefined);
      throw e;
    }
  });
  // The old day's stock goes back once the move is committed (see refundOrder).
  if (freed) await d.inventory.release(freed.areaId, freed.date, freed.resId, 'all');
  if (freed) d.onStockFreed?.(freed.areaId, freed.date, freed.slotId);
  return viewOrder(d.db, d.vault, orderId);
}

/**
 * A visitor with a ticket whose product releases its capacity on exit has left: the
 * ticket's stock goes back on sale (the gate ledger reports it as the outbox event
 * `ticket.capacity_released`). Idempotent: the first call records the moment on the
 * ticket and releases its units under the order's row lock; later calls do nothing.
 */
export async function releaseTicketCapacity(d: OrderDeps, ticketId: string): Promise<boolean> {
  const now = d.clock.now();
  let freed: { areaId: string; date: string; slotId: string } | undefined;
  await d.db.transaction(async (trx) => {
    const [t]: { order_id: string; capacity_released_at: Date | null }[] = await trx('tickets')
      .where({ id: ticketId })
      .select('order_id', 'capacity_released_at');
    if (!t || t.capacity_released_at) return;
    const o = await loadOrder(trx, t.order_id, true);
    const ticket = (await loadTickets(trx, o.id)).find((x) => x.id === ticketId);
    const [again]: { capacity_released_at: Date | null }[] = await trx('tickets')
      .where({ id: ticketId })
      .select('capacity_released_at'); // under the order's lock now
    if (!ticket || ticket.status !== 'valid' || again?.capacity_released_at) return;
    // Only a visitor who came in can leave: an exit scanned before any counted entry (or
    // before the last member of a group ticket entered) frees nothing, or the seat could be
    // sold again and the ticket still let in.
    if (ticket.entries_used < ticket.entries_allowed) return;
    if (o.status !== 'issued' && o.status !== 'partially_refunded') return;
    await d.inventory.release(o.area_id, o.visit_date, o.res_id, {
      units: ticket.units,
      idHashes: [ticket.id_hash],
    });
    await trx('tickets').where({ id: ticketId }).update({ capacity_released_at: now });
    await audit(trx, systemActor('gate-exit'), 'scenic.ticket.capacity_released', o.id, {
      ticketId,
      units: ticket.units,
    });
    freed = { areaId: o.area_id, date: o.visit_date, slotId: o.slot_id };
  });
  if (freed) d.onStockFreed?.(freed.areaId, freed.date, freed.slotId);
  return freed !== undefined;
}
