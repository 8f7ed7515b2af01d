import type { Knex } from 'knex';
import type { AreaConfig } from '../catalog/catalog.js';
import type { OrderRow, TicketRow } from '../db/tables.js';
import { conflict, notAllowed } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { Actor, RefundReason } from '../orders/model.js';
import { actorName } from '../orders/model.js';
import { zonedInstant } from '../time.js';
import {
  decideRefund,
  decideReschedule,
  type PolicyTicket,
  type Refusal,
  type RefundDecision,
  type RescheduleDecision,
} from './decide.js';
import { defaultPolicy } from './model.js';

/**
 * The glue between the order operations and the pure rules: builds the case from the
 * order's rows and the catalog, turns a refusal into its domain error, and books every
 * fee kept (`policy_fees`), in the caller's transaction.
 */
type Ticket = Pick<TicketRow, 'id' | 'product_id' | 'price' | 'fee_retained'>;

/** Reasons that are the area's own fault: staff refund them whole, whenever. */
const AREA_FAULTS: readonly RefundReason[] = ['area_closed', 'service_issue'];

function policyTickets(area: AreaConfig, tickets: Ticket[]): PolicyTicket[] {
  return tickets.map((t) => ({
    id: t.id,
    price: t.price,
    feeRetained: t.fee_retained,
    policy: area.products.get(t.product_id)?.policy ?? defaultPolicy(false),
  }));
}

function slotStartOf(area: AreaConfig, o: Pick<OrderRow, 'visit_date' | 'slot_id'>): Date {
  const slot = area.slots.find((s) => s.id === o.slot_id);
  return zonedInstant(o.visit_date, slot?.startsAt ?? '00:00', area.timezone);
}

function refused(r: Refusal): never {
  if (r.code === 'refund_not_allowed' || r.code === 'reschedule_not_allowed')
    throw notAllowed(r.code, r.message);
  throw conflict(r.code, r.message);
}

/** What refunding `tickets` pays back under their policies (throws the refusal). */
export function refundTerms(
  area: AreaConfig,
  o: Pick<OrderRow, 'visit_date' | 'slot_id'>,
  tickets: Ticket[],
  c: { now: Date; wholeOrder: boolean; actor: Actor; reason: RefundReason },
): Extract<RefundDecision, { ok: true }> {
  const r = decideRefund({
    now: c.now,
    slotStart: slotStartOf(area, o),
    tickets: policyTickets(area, tickets),
    wholeOrder: c.wholeOrder,
    waived: c.actor.kind === 'staff' && AREA_FAULTS.includes(c.reason),
  });
  if (!r.ok) refused(r);
  return r;
}

/** Whether the order's tickets may move now, and the fee each then carries (throws the refusal). */
export function rescheduleTerms(
  area: AreaConfig,
  o: Pick<OrderRow, 'visit_date' | 'slot_id' | 'reschedules'>,
  tickets: Ticket[],
  now: Date,
): Extract<RescheduleDecision, { ok: true }> {
  const r = decideReschedule({
    now,
    slotStart: slotStartOf(area, o),
    tickets: policyTickets(area, tickets),
    done: o.reschedules,
  });
  if (!r.ok) refused(r);
  return r;
}

/** Books a fee a policy kept (nothing when it is 0). */
export async function bookFee(
  trx: Knex.Transaction,
  f: {
    order: Pick<OrderRow, 'id' | 'area_id'>;
    kind: 'refund' | 'reschedule';
    amount: number;
    ticketIds: string[];
    refundId?: string;
    actor: Actor;
    now: Date;
  },
): Promise<void> {
  if (f.amount <= 0) return;
  await trx('policy_fees').insert({
    id: uuidv7(f.now.getTime()),
    order_id: f.order.id,
    area_id: f.order.area_id,
    kind: f.kind,
    amount: f.amount,
    ticket_ids: f.ticketIds,
    refund_id: f.refundId ?? null,
    actor: actorName(f.actor),
    created_at: f.now,
  });
}
