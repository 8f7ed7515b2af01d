import type { OrderDeps, OrderOutcome, PaymentEvent } from '../orders/store.js';
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

/**
 * Turns payment facts (core/orders `onPaymentEvent`) into the money counters of the
 * role: notices by result, mismatches, payments recovered by asking, refund attempts.
 */
export function paymentEventRecorder(m: ScenicMetrics): (e: PaymentEvent) => void {
  const add = (name: Parameters<ScenicMetrics['add']>[0], labels: Record<string, string>) => {
    if (m.has(name)) m.add(name, 1, labels);
  };
  return (e) => {
    if (e.kind === 'notice') add('scenic_payment_notices_total', { provider: e.provider, result: e.result });
    else if (e.kind === 'mismatch')
      add('scenic_payment_mismatches_total', { provider: e.provider, source: e.source });
    else if (e.kind === 'recovered')
      add('scenic_payments_recovered_total', { provider: e.provider, source: e.source });
    else add('scenic_refunds_total', { method: e.method, result: e.result });
  };
}

/** Chains `record` after whatever `onPaymentEvent` the deps already have. */
export function recordPaymentEvents(d: OrderDeps, m: ScenicMetrics): void {
  const record = paymentEventRecorder(m);
  const prev = d.onPaymentEvent;
  d.onPaymentEvent = (e) => {
    prev?.(e);
    record(e);
  };
}
