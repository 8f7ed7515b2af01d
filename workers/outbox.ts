import type { Platform } from '../core/platform.js';
import { maskPhone } from '../core/pii/mask.js';
import { releaseTicketCapacity } from '../core/orders/lifecycle.js';
import { contactPhoneOf, loadOrder, loadTickets } from '../core/orders/store.js';
import { purchaseSmsText } from '../core/notify/purchase-sms.js';
import { relayBatch } from '../core/outbox/store.js';
import type { WebhookFanout } from './webhooks.js';

export { OUTBOX_MAX_ATTEMPTS } from '../core/outbox/store.js';

/**
 * Relays the outbox (core/outbox/store.ts claims, retries and publishes): what each
 * topic does after its commit — SMS with ticket codes, a ticket's capacity released on
 * exit, partner webhooks recorded in the event's savepoint and enqueued after the commit.
 * Returns how many events were published.
 */
export async function relayOutbox(p: Platform, batch = 100, webhooks?: WebhookFanout): Promise<number> {
  const { published, collected: deliveries } = await relayBatch(
    p,
    async (sp, r) => {
      if (r.topic === 'order.issued') await smsTickets(p, r.aggregate_id);
      if (r.topic === 'ticket.capacity_released') await releaseTicketCapacity(p.orders, r.aggregate_id);
      return webhooks ? await webhooks.record(sp, r) : [];
    },
    batch,
  );
  // after the commit; if Redis is unreachable now, the webhook sweeper enqueues them later
  if (webhooks && deliveries.length)
    await webhooks
      .enqueue(deliveries)
      .catch((e: unknown) =>
        p.log.warn({ err: e }, 'could not enqueue webhook deliveries; the sweeper will'),
      );
  return published;
}

async function smsTickets(p: Platform, orderId: string): Promise<void> {
  const sealed = await contactPhoneOf(p.db, orderId);
  if (!sealed) return;
  const phone = p.vault.decrypt(sealed);
  const base = p.cfg.SCENIC_PUBLIC_URL ?? `http://${p.cfg.HOST}:${p.cfg.PORT}`;
  const o = await loadOrder(p.db, orderId);
  const tickets = (await loadTickets(p.db, orderId)).filter((t) => t.status === 'valid');
  const text = purchaseSmsText({
    area: await p.catalog.area(o.area_id),
    order: { id: o.id, date: o.visit_date, slotId: o.slot_id },
    tickets: tickets.map((t) => ({
      productId: t.product_id,
      code: t.code,
      ...(t.group_masked ? { group: t.group_masked.size } : {}),
    })),
    baseUrl: base,
  });
  await p.sms.send(phone, text).catch((e: unknown) => {
    p.log.warn({ err: e, to: maskPhone(phone), orderId }, 'ticket sms failed');
    throw e;
  });
}
