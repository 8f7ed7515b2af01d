import type { TicketRow } from '../db/tables.js';
import { uuidv7 } from '../ids.js';

/**
 * The new tickets of a reschedule, one per old one: a new id and the new date and slot
 * (a QR carries both), the same person, price and bound card, nothing used yet, and the
 * fees kept so far plus this reschedule's (`fees`, by old ticket id). Inserted as they are,
 * then issued.
 */
export function movedTickets(
  tickets: readonly TicketRow[],
  to: { date: string; slotId: string; now: Date; fees: ReadonlyMap<string, number> },
): TicketRow[] {
  return tickets.map((t) => ({
    ...t,
    id: uuidv7(to.now.getTime()),
    status: 'pending',
    visit_date: to.date,
    slot_id: to.slotId,
    code: null,
    issued_at: null,
    revoked_at: null,
    entries_used: 0,
    exits_used: 0,
    capacity_released_at: null,
    fee_retained: t.fee_retained + (to.fees.get(t.id) ?? 0),
  }));
}
