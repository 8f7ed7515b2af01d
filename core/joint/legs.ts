import type { Knex } from 'knex';
import type { OrderRow, TicketRow } from '../db/tables.js';
import type { OrderDeps } from '../orders/store.js';

/**
 * The order lifecycle's hooks for joint orders, whose tickets (and stock) sit at several
 * areas under the same reservation id. An ordinary order has every ticket at its own
 * area, so each hook does nothing more than the lifecycle did before.
 */
type Order = Pick<OrderRow, 'id' | 'area_id' | 'visit_date' | 'res_id' | 'channel_id'>;
type Ticket = Pick<TicketRow, 'area_id' | 'status' | 'units' | 'id_hash' | 'slot_id'>;

/** The areas other than the order's own that hold its tickets, in reservation order. */
export async function otherLegAreas(db: Knex, o: Pick<OrderRow, 'id' | 'area_id'>): Promise<string[]> {
  const rows = await db('tickets')
    .where({ order_id: o.id })
    .whereNot({ area_id: o.area_id })
    .distinct('area_id')
    .orderBy('area_id');
  return rows.map((r) => r.area_id);
}

/**
 * A payment arrived and the order's own area confirmed its hold: confirm the other
 * areas' too. A leg whose hold lapsed is taken again if the stock is there; if one cannot
 * be, every leg is given back and the answer is 'missing', so the payment is refunded
 * like any order whose stock was lost (core/orders/payment.ts).
 */
export async function confirmOtherLegs(
  d: OrderDeps,
  o: Order,
  tickets: readonly Ticket[],
): Promise<'confirmed' | 'missing'> {
  const areas = [...new Set(tickets.map((t) => t.area_id))].filter((a) => a !== o.area_id).sort();
  if (!areas.length) return 'confirmed';
  const channel = await d.catalog.channel(o.channel_id);
  for (const areaId of areas) {
    if ((await d.inventory.confirm(areaId, o.visit_date, o.res_id)) !== 'missing') continue;
    const mine = tickets.filter((t) => t.area_id === areaId);
    const again = await d.inventory.reserve({
      resId: o.res_id,
      areaId,
      date: o.visit_date,
      slotId: mine[0]!.slot_id,
      channelId: o.channel_id,
      channelKind: channel.kind,
      units: mine.reduce((s, t) => s + t.units, 0),
      idHashes: mine.map((t) => t.id_hash),
      expiresAt: 0,
    });
    if (!again.ok) {
      // the caller cancels the order and books the refund in its transaction
      for (const a of [o.area_id, ...areas]) await d.inventory.release(a, o.visit_date, o.res_id, 'all');
      return 'missing';
    }
  }
  return 'confirmed';
}

/** A hold ended (expired, cancelled): give back the other areas' stock too. */
export async function releaseOtherLegs(d: OrderDeps, trx: Knex.Transaction, o: Order): Promise<void> {
  for (const areaId of await otherLegAreas(trx, o))
    await d.inventory.release(areaId, o.visit_date, o.res_id, 'all');
}

/**
 * A refund's stock, area by area: an area whose every valid ticket is refunded gives
 * back its whole reservation, another gives back the refunded tickets' units.
 */
export async function releaseRefunded(
  d: OrderDeps,
  o: Order,
  chosen: readonly Ticket[],
  valid: readonly Ticket[],
): Promise<void> {
  const areas = [...new Set(chosen.map((t) => t.area_id))].sort();
  for (const areaId of areas) {
    const mine = chosen.filter((t) => t.area_id === areaId);
    const all = mine.length === valid.filter((t) => t.area_id === areaId).length;
    await d.inventory.release(
      areaId,
      o.visit_date,
      o.res_id,
      all ? 'all' : { units: mine.reduce((s, t) => s + t.units, 0), idHashes: mine.map((t) => t.id_hash) },
    );
  }
}
