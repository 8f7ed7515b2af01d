import { z } from 'zod';
import { normaliseCardUid } from '../checkin/id-hash.js';
import { conflict, inputError } from '../errors.js';
import { audit } from '../audit/store.js';
import { loadOrder, loadTickets, type OrderDeps } from '../orders/store.js';
import type { Actor } from '../orders/model.js';

/**
 * NFC/IC cards bound to tickets (issue 18): at the box office or in the console a card is
 * bound to one valid ticket of an order, so the gate admits by tapping it (the manifest
 * carries `card_uid`, the `tickets_changed` trigger tells the gates); unbound by staff, and
 * by every refund (core/orders/lifecycle.ts clears it with the ticket's status). A card
 * opens at most one valid ticket of an area at a time. The UID is never logged whole.
 */
export const BindCardInput = z
  .object({
    cardUid: z
      .string()
      .trim()
      .regex(/^[0-9A-Fa-f:\s-]{8,64}$/, 'the card UID in hex (separators allowed)'),
  })
  .strict();
export type BindCardInput = z.output<typeof BindCardInput>;

export interface CardBinding {
  ticketId: string;
  /** the UID masked: its last four hex digits */
  card: string | null;
}

export const maskCard = (uid: string) => `••••${uid.slice(-4)}`;

/** Binds a card to a valid ticket of the order (idempotent for the same card). */
export async function bindCard(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  ticketId: string,
  input: BindCardInput,
): Promise<CardBinding> {
  const uid = normaliseCardUid(input.cardUid);
  if (uid.length < 8)
    throw inputError('invalid_input', 'cardUid: at least 4 bytes of hex', [
      { path: 'cardUid', message: 'too short' },
    ]);
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    const t = (await loadTickets(trx, o.id, true)).find((x) => x.id === ticketId);
    if (!t)
      throw inputError('unknown_ticket', 'a ticket id does not belong to this order', [
        { path: 'ticketId', message: 'not in this order' },
      ]);
    if (t.status !== 'valid') throw conflict('ticket_not_bindable', `ticket ${t.id} is ${t.status}`);
    if (t.card_uid === uid) return;
    if (t.card_uid) throw conflict('ticket_has_card', `ticket ${t.id} has a card; unbind it first`);
    const other = await trx('tickets')
      .where({ card_uid: uid, area_id: t.area_id, status: 'valid' })
      .whereNot({ id: t.id })
      .first('id');
    if (other)
      throw conflict('card_in_use', 'this card opens another valid ticket of the area; unbind it first');
    await trx('tickets').where({ id: t.id }).update({ card_uid: uid });
    await audit(trx, actor, 'scenic.ticket.card_bound', o.id, { ticketId: t.id, card: maskCard(uid) });
  });
  return { ticketId, card: maskCard(uid) };
}

/** Takes the card off a ticket of the order. */
export async function unbindCard(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  ticketId: string,
): Promise<CardBinding> {
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    const t = (await loadTickets(trx, o.id, true)).find((x) => x.id === ticketId);
    if (!t)
      throw inputError('unknown_ticket', 'a ticket id does not belong to this order', [
        { path: 'ticketId', message: 'not in this order' },
      ]);
    if (!t.card_uid) throw conflict('no_card_bound', `ticket ${t.id} has no card`);
    await trx('tickets').where({ id: t.id }).update({ card_uid: null });
    await audit(trx, actor, 'scenic.ticket.card_unbound', o.id, {
      ticketId: t.id,
      card: maskCard(t.card_uid),
    });
  });
  return { ticketId, card: null };
}
