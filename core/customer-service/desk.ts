import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import { z } from 'zod';
import { conflict, rateLimited } from '../errors.js';
import type { PiiVault } from '../pii/crypto.js';
import type { SmsSender } from '../notify/sms.js';
import type { Clock } from '../clock.js';
import { maskPhone } from '../pii/mask.js';
import { Phone } from '../orders/inputs.js';
import { loadOrder, viewOrders } from '../orders/store.js';
import type { Actor, OrderView } from '../orders/model.js';
import { audit } from '../audit/store.js';

/**
 * The customer-service desk: find a visitor's orders in an area by order number, contact
 * phone or a visitor's ID number — through the keyed hashes (core/pii), never by
 * decrypting the books — and answer them masked and without their QR codes; send the
 * tickets' link to the order's contact phone again. Refunds and reschedules on the
 * visitor's behalf are the orders' own operations (core/orders/lifecycle.ts), with the
 * reason recorded.
 */
export const SearchQuery = z
  .object({
    orderId: z.uuid().optional(),
    phone: Phone.optional(),
    idNumber: z.string().trim().min(5).max(32).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((q) => [q.orderId, q.phone, q.idNumber].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of orderId, phone, idNumber',
    path: ['orderId'],
  });
export type SearchQuery = z.output<typeof SearchQuery>;

/** An order as the desk sees it: personal data masked, no ticket code (resend it instead). */
export type DeskOrderView = OrderView;
const withoutCodes = (o: OrderView): DeskOrderView => ({
  ...o,
  tickets: o.tickets.map((t) => ({ ...t, code: null })),
});

export async function searchOrders(
  d: { db: Knex; vault: PiiVault },
  areaId: string,
  q: SearchQuery,
): Promise<DeskOrderView[]> {
  let rows = d.db('orders').where({ area_id: areaId }).orderBy('id', 'desc').limit(q.limit);
  if (q.orderId) rows = rows.andWhere({ id: q.orderId });
  if (q.phone) rows = rows.andWhere({ contact_phone_hash: d.vault.lookupHash('phone', q.phone) });
  if (q.idNumber) {
    const hash = d.vault.lookupHash('id', q.idNumber);
    rows = rows.whereIn('id', d.db('tickets').where({ id_hash: hash, area_id: areaId }).select('order_id'));
  }
  return (await viewOrders(d.db, d.vault, await rows)).map(withoutCodes);
}

export async function deskOrder(d: { db: Knex; vault: PiiVault }, orderId: string): Promise<DeskOrderView> {
  const [o] = await viewOrders(d.db, d.vault, [await loadOrder(d.db, orderId)]);
  return withoutCodes(o!);
}

const RESEND_EVERY_SECONDS = 60;

/**
 * Texts the order's tickets link to its contact phone again (at most once a minute per
 * order, so the desk cannot be used to flood a number). The text holds no code; the log
 * shows the number masked (core/notify/sms.ts).
 */
export async function resendTickets(
  d: { db: Knex; vault: PiiVault; redis: Redis; sms: SmsSender; clock: Clock },
  actor: Actor,
  orderId: string,
  publicUrl: string,
  reason: string,
): Promise<{ sentTo: string }> {
  const o = await loadOrder(d.db, orderId);
  if (o.status !== 'issued' && o.status !== 'partially_refunded')
    throw conflict('order_not_issued', `order is ${o.status}`);
  if (!o.contact_phone_enc) throw conflict('no_contact_phone', 'this order has no contact phone to text');
  const fresh = await d.redis.set(`resend:${orderId}`, '1', 'EX', RESEND_EVERY_SECONDS, 'NX');
  if (!fresh)
    throw rateLimited('resend_too_soon', 'the tickets were sent less than a minute ago', {
      retryAfterSeconds: RESEND_EVERY_SECONDS,
    });
  const phone = d.vault.decrypt(o.contact_phone_enc);
  await d.sms.send(phone, `Your Scenic tickets for ${o.visit_date}: ${publicUrl}/orders/${orderId}`);
  const sentTo = maskPhone(phone);
  await audit(d.db, actor, 'scenic.ticket.resent', orderId, { sentTo, reason }, { areaId: o.area_id });
  return { sentTo };
}
