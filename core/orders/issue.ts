import type { Knex } from 'knex';
import { signTicket } from '../tickets/token.js';
import { hhmmToMinutes } from '../time.js';
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
  const slot = area.slots.find((s) => s.id === order.slot_id);
  const issued: string[] = [];
  for (const t of tickets) {
    if (t.status !== 'pending') continue;
    const product = area.products.get(t.product_id);
    const code = signTicket(ring.signer, {
      ticketId: t.id,
      areaId: order.area_id,
      date: product && !product.dateBound ? null : order.visit_date,
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
