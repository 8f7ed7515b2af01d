import type { Platform } from '../core/platform.js';
import { maskPhone } from '../core/pii/mask.js';
import { releaseTicketCapacity } from '../core/orders/lifecycle.js';
import type { WebhookFanout } from './webhooks.js';

/**
 * Relays the outbox: domain events committed with their change are handed on after
 * the commit (SMS with ticket codes now; partner webhooks and notifications hook in
 * here). Rows are claimed with SKIP LOCKED so several workers share the work, and
 * marked published only after their handler succeeded (at-least-once).
 */
export async function relayOutbox(p: Platform, batch = 100, webhooks?: WebhookFanout): Promise<number> {
  const deliveries: string[] = [];
  const n = await p.db.transaction(async (trx) => {
    const rows = (await trx('outbox')
      .whereNull('published_at')
      .orderBy('id')
      .limit(batch)
      .forUpdate()
      .skipLocked()) as { id: number; topic: string; aggregate_id: string; payload: Record<string, unknown> }[];
    for (const r of rows) {
      if (r.topic === 'order.issued') await smsTickets(p, r.aggregate_id);
      if (r.topic === 'ticket.capacity_released') await releaseTicketCapacity(p.orders, r.aggregate_id);
      if (webhooks) deliveries.push(...(await webhooks.record(trx, r)));
    }
    if (rows.length) await trx('outbox').whereIn('id', rows.map((r) => r.id)).update({ published_at: p.clock.now() });
    return rows.length;
  });
  // after the commit; if Redis is unreachable now, the webhook sweeper enqueues them later
  if (webhooks && deliveries.length) await webhooks.enqueue(deliveries).catch((e: unknown) => p.log.warn({ err: e }, 'could not enqueue webhook deliveries; the sweeper will'));
  return n;
}

async function smsTickets(p: Platform, orderId: string): Promise<void> {
  const o: { contact_phone_enc: string | null } | undefined = await p.db('orders').where({ id: orderId }).first('contact_phone_enc');
  if (!o?.contact_phone_enc) return;
  const phone = p.vault.decrypt(o.contact_phone_enc);
  const base = p.cfg.SCENIC_PUBLIC_URL ?? `http://${p.cfg.HOST}:${p.cfg.PORT}`;
  await p.sms.send(phone, `Your Scenic tickets are ready: ${base}/orders/${orderId}`).catch((e: unknown) => {
    p.log.warn({ err: e, to: maskPhone(phone), orderId }, 'ticket sms failed');
    throw e;
  });
}
