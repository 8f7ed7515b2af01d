import type { OrderOutcome } from '../orders/store.js';
import type { ScenicMetrics } from './metrics.js';

/**
 * Turns order outcomes (core/orders `onOutcome`, told after each commit) into the
 * sales counters. Cheap: a counter add per order, in memory.
 */
export function orderOutcomeRecorder(m: ScenicMetrics): (e: OrderOutcome) => void {
  const sales = m.has('scenic_tickets_sold_total');
  const api = m.has('scenic_tickets_held_total');
  return (e) => {
    const l = { area: e.areaId, channel: e.channelId, slot: e.slotId };
    switch (e.kind) {
      case 'held':
        if (api) m.add('scenic_tickets_held_total', e.tickets, l);
        break;
      case 'refused':
        if (api)
          m.add('scenic_orders_refused_total', 1, { area: e.areaId, channel: e.channelId, reason: e.reason });
        break;
      case 'issued':
        if (!sales) break;
        m.add('scenic_tickets_sold_total', e.tickets, l);
        m.add('scenic_sales_amount_minor_total', e.amount, { area: e.areaId, channel: e.channelId });
        break;
      case 'refunded':
        if (sales)
          m.add('scenic_tickets_refunded_total', e.tickets, {
            area: e.areaId,
            channel: e.channelId,
            reason: e.reason,
          });
        break;
      case 'expired':
      case 'cancelled':
        if (sales)
          m.add('scenic_holds_ended_total', e.tickets, {
            area: e.areaId,
            channel: e.channelId,
            reason: e.kind,
          });
        break;
    }
  };
}
