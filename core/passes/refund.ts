import type { Knex } from 'knex';
import type { TicketRow } from '../db/tables.js';
import { localParts } from '../time.js';
import { spentValue } from './model.js';
import { passTermsOf } from './store.js';

type Ticket = Pick<TicketRow, 'id' | 'product_id' | 'price' | 'fee_retained' | 'entries_used'>;

/**
 * The refund hook (core/orders/lifecycle.ts refundOrder): a used pass whose terms refund
 * `pro_rata` may be refunded, its spent days kept as value already used (added to the
 * ticket's retained value, so the product's policy fee applies to what is left). Returns
 * the tickets as the policy should price them, and the ids of used passes it allows.
 */
export async function passRefundCase<T extends Ticket>(
  trx: Knex.Transaction,
  o: { area_id: string; timezone: string; now: Date },
  tickets: readonly T[],
): Promise<{ tickets: T[]; usedPasses: Set<string>; spent: number }> {
  const used = tickets.filter((t) => t.entries_used > 0);
  if (!used.length) return { tickets: [...tickets], usedPasses: new Set(), spent: 0 };
  const passes = await trx('passes')
    .whereIn(
      'ticket_id',
      used.map((t) => t.id),
    )
    .select<{ ticket_id: string; product_id: string; valid_from: string; until: string }[]>(
      'ticket_id',
      'product_id',
      trx.raw('valid_from::text as valid_from'),
      trx.raw('pass_valid_until(ticket_id)::text as until'),
    );
  if (!passes.length) return { tickets: [...tickets], usedPasses: new Set(), spent: 0 };
  const terms = await passTermsOf(trx, o.area_id, [...new Set(passes.map((p) => p.product_id))]);
  const today = localParts(o.now, o.timezone).date;
  const usedPasses = new Set<string>();
  const spentBy = new Map<string, number>();
  for (const p of passes) {
    if (terms.get(p.product_id)!.usedRefund !== 'pro_rata') continue;
    usedPasses.add(p.ticket_id);
    const t = used.find((x) => x.id === p.ticket_id)!;
    spentBy.set(p.ticket_id, spentValue(t.price, p.valid_from, p.until, today));
  }
  let spent = 0;
  const out = tickets.map((t) => {
    const s = spentBy.get(t.id);
    if (s === undefined) return t;
    spent += s;
    return { ...t, fee_retained: t.fee_retained + s };
  });
  return { tickets: out, usedPasses, spent };
}

/**
 * After a refund commits: the free slot bookings of refunded passes still to come are
 * refunded too (by `refund`, the order path's own refund), so their stock goes back on sale.
 * A booking that cannot be refunded now stays and is logged; the pass no longer admits anyway.
 */
export async function cancelPassBookings(
  db: Knex,
  log: { warn: (o: object, msg: string) => void },
  refundedTicketIds: readonly string[],
  today: string,
  refund: (orderId: string) => Promise<unknown>,
): Promise<number> {
  if (!refundedTicketIds.length) return 0;
  const orders = await db('pass_links as l')
    .join('tickets as t', 't.id', 'l.ticket_id')
    .whereIn('l.pass_id', [...refundedTicketIds])
    .where({ 'l.kind': 'booking', 't.status': 'valid' })
    .where('l.visit_date', '>=', today)
    .distinct<{ order_id: string }[]>('t.order_id');
  let n = 0;
  for (const o of orders)
    try {
      await refund(o.order_id);
      n++;
    } catch (e) {
      log.warn({ err: e, orderId: o.order_id }, 'could not refund the booking of a refunded pass');
    }
  return n;
}
