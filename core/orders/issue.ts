import type { Knex } from 'knex';
import { signTicket } from '../tickets/token.js';
import { addDays, hhmmToMinutes } from '../time.js';
import type { AreaConfig } from '../catalog/catalog.js';
import type { KeyRing } from '../tickets/keys.js';
import type { OrderRow, TicketRow } from '../db/tables.js';

/** Signs a QR code for each ticket of the order and marks them valid (inside the caller's transaction). */
export async function issueTickets(
  trx: Knex.Transaction,
  ring: KeyRing,
  area: AreaConfig,
  order: OrderRow,
  tickets: TicketRow[],
  now: Date,
): Promise<string[]> {
  const ownSlot = area.slots.find((s) => s.id === order.slot_id);
  const issued: string[] = [];
  for (const t of tickets) {
    if (t.status !== 'pending') continue;
    // a joint order's ticket at another area: that area's whole day (its slot is not in `area`)
    const slot = t.area_id === area.id ? ownSlot : undefined;
    const product = area.products.get(t.product_id);
    const openDated = product !== undefined && !product.dateBound;
    const code = signTicket(ring.signer, {
      ticketId: t.id,
      areaId: t.area_id, // a joint order's tickets are valid at their own areas (core/joint)
      date: openDated ? null : order.visit_date,
      // an open-dated ticket expires after its product's validity days (17.12)
      validUntil: openDated ? addDays(order.visit_date, product.validityDays - 1) : null,
      slotStartMin: slot ? hhmmToMinutes(slot.startsAt) : 0,
      slotEndMin: slot ? hhmmToMinutes(slot.endsAt) : 24 * 60 - 1,
      productId: t.product_id,
      entriesAllowed: t.entries_allowed,
    });
    await trx('tickets').where({ id: t.id }).update({ status: 'valid', code, issued_at: now });
    issued.push(t.id);
  }
  return issued;
}
