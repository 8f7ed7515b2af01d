import type { Platform } from '../core/platform.js';
import { maskPhone } from '../core/pii/mask.js';
import { releaseTicketCapacity } from '../core/orders/lifecycle.js';
import type { WebhookFanout } from './webhooks.js';

/** Attempts of one event before it is set aside (`failed_at`); backoff doubles from 1 s up to 10 min. */
export const OUTBOX_MAX_ATTEMPTS = 8;
const backoffMs = (attempts: number) => Math.min(600_000, 1_000 * 2 ** (attempts - 1));

/**
 * Relays the outbox: domain events committed with their change are handed on after
 * the commit (SMS with ticket codes now; partner webhooks and notifications hook in
 * here). Rows are claimed with SKIP LOCKED so several workers share the work, and
 * marked published only after their handler succeeded (at-least-once). Each event is
 * handled in a savepoint of its own: one that fails is retried later with backoff and
 * set aside after OUTBOX_MAX_ATTEMPTS, and never holds back the events behind it.
 */
export async function relayOutbox(p: Platform, batch = 100, webhooks?: WebhookFanout): Promise<number> {
  const deliveries: string[] = [];
  const n = await p.db.transaction(async (trx) => {
    const now = p.clock.now();
    const rows = (await trx('outbox')
      .whereNull('published_at')
      .andWhere((q) => void q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now))
      .orderBy('id')
      .limit(batch)
      .forUpdate()
      .skipLocked()) as {
      id: number;
      topic: string;
      aggregate_id: string;
      payload: Record<string, unknown>;
      attempts: number;
    }[];
    const done: number[] = [];
    for (const r of rows) {
      try {
        const recorded = await trx.transaction(async (sp) => {
          if (r.topic === 'order.issued') await smsTickets(p, r.aggregate_id);
          if (r.topic === 'ticket.capacity_released') await releaseTicketCapacity(p.orders, r.aggregate_id);
          return webhooks ? await webhooks.record(sp, r) : [];
        });
        deliveries.push(...recorded);
        done.push(r.id);
      } catch (e) {
        const attempts = r.attempts + 1;
        const dead = attempts >= OUTBOX_MAX_ATTEMPTS;
        const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
        if (dead)
          p.log.error(
            { outboxId: r.id, topic: r.topic, attempts, error },
            'outbox event failed for good; set aside (failed_at)',
          );
        else
          p.log.warn({ outboxId: r.id, topic: r.topic, attempts, error }, 'outbox event failed; will retry');
        await trx('outbox')
          .where({ id: r.id })
          .update({
            attempts,
            last_error: error,
            next_attempt_at: new Date(now.getTime() + backoffMs(attempts)),
            ...(dead ? { published_at: now, failed_at: now } : {}),
          });
      }
    }
    if (done.length) await trx('outbox').whereIn('id', done).update({ published_at: now });
    return done.length;
  });
  // after the commit; if Redis is unreachable now, the webhook sweeper enqueues them later
  if (webhooks && deliveries.length)
    await webhooks
      .enqueue(deliveries)
      .catch((e: unknown) =>
        p.log.warn({ err: e }, 'could not enqueue webhook deliveries; the sweeper will'),
      );
  return n;
}

async function smsTickets(p: Platform, orderId: string): Promise<void> {
  const o: { contact_phone_enc: string | null } | undefined = await p
    .db('orders')
    .where({ id: orderId })
    .first('contact_phone_enc');
  if (!o?.contact_phone_enc) return;
  const phone = p.vault.decrypt(o.contact_phone_enc);
  const base = p.cfg.SCENIC_PUBLIC_URL ?? `http://${p.cfg.HOST}:${p.cfg.PORT}`;
  await p.sms.send(phone, `Your Scenic tickets are ready: ${base}/orders/${orderId}`).catch((e: unknown) => {
    p.log.warn({ err: e, to: maskPhone(phone), orderId }, 'ticket sms failed');
    throw e;
  });
}
