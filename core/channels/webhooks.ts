import type { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { notFound, conflict } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { PiiVault } from '../pii/crypto.js';
import type { Actor } from '../orders/model.js';
import { audit } from '../audit/store.js';
import { webhookCredential } from './partners.js';
import { signWebhook } from './signature.js';
// W3C trace context rides along, so a partner's logs can be joined to ours
import { traceCarrier } from '../telemetry/trace.js';
import type { OutboxRow, WebhookDeliveryRow } from '../db/tables.js';

/**
 * Partner webhooks. The outbox relay turns each committed order event of a partner's
 * channel into one delivery row per subscription (unique per subscription and event id,
 * so relaying an outbox row twice creates nothing new); a BullMQ worker sends it, signed
 * like partner requests, with exponential backoff, and marks it `dead` after the last
 * attempt (signed with the webhook secret of the partner's key, signature.ts `signWebhook`,
 * never with the secret the partner signs its requests with); an admin can replay a dead (or delivered) delivery. The event id is the
 * idempotency id the receiver dedupes on (`Idempotency-Key` and `X-Scenic-Event-Id`).
 */
export const WEBHOOK_QUEUE = 'partner-webhooks';
export const DEFAULT_WEBHOOK_ATTEMPTS = 12;
export const DEFAULT_WEBHOOK_BACKOFF_MS = 5_000;

/** The BullMQ job id of a delivery (a replay is a new job). */
export const deliveryJobId = (id: string, replays: number) => `wh-${id}-${replays}`;

const TOPICS: Record<string, string> = {
  'order.issued': 'order.issued',
  'order.refunded': 'order.refunded',
  'order.expired': 'order.expired',
  'order.cancelled': 'order.cancelled',
  'order.rescheduled': 'order.rescheduled',
  'ticket.redeemed': 'ticket.redeemed',
};

/** What a partner event is made of: an outbox row of the relay. */
export type OutboxEvent = Pick<OutboxRow, 'id' | 'topic' | 'aggregate_id' | 'payload' | 'created_at'>;

export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Pure: the partner event of an outbox row, if partners hear about its topic. */
export function partnerEvent(
  row: Pick<OutboxEvent, 'id' | 'topic' | 'payload'>,
  order: { id: string; partner_order_id: string | null; status: string },
  at: Date,
): WebhookEvent | undefined {
  const type = TOPICS[row.topic];
  if (!type) return undefined;
  return {
    id: `evt_${row.id}`,
    type,
    createdAt: at.toISOString(),
    data: {
      ...row.payload,
      orderId: order.id,
      partnerOrderId: order.partner_order_id,
      orderStatus: order.status,
    },
  };
}

/**
 * Inside the relay's transaction: the deliveries an outbox row causes. Returns the ids
 * of the rows it created (none when the order is not a partner's, or on a re-run).
 */
export async function recordDeliveries(
  trx: Knex.Transaction,
  row: OutboxEvent,
  now: Date,
): Promise<string[]> {
  if (!TOPICS[row.topic]) return [];
  const o = await trx('orders as o')
    .join('partners as p', 'p.channel_id', 'o.channel_id')
    .where('o.id', row.aggregate_id)
    .first<{ id: string; partner_order_id: string | null; status: string; partner_id: string } | undefined>(
      'o.id',
      'o.partner_order_id',
      'o.status',
      'p.id as partner_id',
    );
  if (!o) return [];
  const event = partnerEvent(row, o, row.created_at)!;
  const subs = await trx('webhook_subscriptions')
    .where({ partner_id: o.partner_id, enabled: true })
    .select('id', 'events');
  const ids: string[] = [];
  for (const s of subs.filter((x) => x.events.includes(event.type))) {
    const inserted = await trx('webhook_deliveries')
      .insert({
        id: uuidv7(now.getTime()),
        subscription_id: s.id,
        partner_id: o.partner_id,
        event_id: event.id,
        event_type: event.type,
        order_id: o.id,
        payload: JSON.stringify(event),
        status: 'pending',
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict(['subscription_id', 'event_id'])
      .ignore()
      .returning('id');
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

export interface DeliveryDeps {
  db: Knex;
  vault: PiiVault;
  clock: Clock;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type AttemptResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'failed'; status: number | null; error: string };

/**
 * One attempt at one delivery. Claims the row first (no two senders at once), sends the
 * exact JSON stored, and records the outcome. Never throws for the receiver's failures:
 * the caller decides about retrying from the result.
 */
export async function attemptDelivery(
  d: DeliveryDeps,
  id: string,
  nextDelayMs: number,
): Promise<AttemptResult> {
  const now = d.clock.now();
  const timeout = d.timeoutMs ?? 10_000;
  const claimed = await d
    .db('webhook_deliveries')
    .where({ id, status: 'pending' })
    .andWhere((q) => void q.whereNull('locked_until').orWhere('locked_until', '<', now))
    .update({
      locked_until: new Date(now.getTime() + timeout + 5_000),
      attempts: d.db.raw('attempts + 1'),
      updated_at: now,
    })
    .returning([
      'id',
      'subscription_id',
      'partner_id',
      'event_id',
      'event_type',
      'payload',
      'status',
      'attempts',
      'replays',
    ]);
  const row = claimed[0];
  if (!row) return { outcome: 'skipped', reason: 'not pending or being sent' };
  const sub = await d.db('webhook_subscriptions').where({ id: row.subscription_id }).first('url', 'enabled');
  const cred = await webhookCredential(d.db, d.vault, row.partner_id, now);
  let result: AttemptResult;
  if (!sub || !cred) {
    result = {
      outcome: 'failed',
      status: null,
      error: !sub
        ? 'subscription removed'
        : 'the partner has no valid key with a webhook secret (issue it a new key)',
    };
  } else {
    const body = JSON.stringify(row.payload);
    const headers = signWebhook({
      keyId: cred.keyId,
      webhookSecret: cred.webhookSecret,
      url: sub.url,
      body,
      nowMs: now.getTime(),
      nonce: randomBytes(18).toString('base64url'),
    });
    try {
      const res = await (d.fetch ?? fetch)(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Scenic-Webhooks/1',
          'idempotency-key': row.event_id,
          'x-scenic-event-id': row.event_id,
          'x-scenic-event-type': row.event_type,
          'x-scenic-delivery': row.id,
          'x-scenic-attempt': String(row.attempts),
          ...traceCarrier(),
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(timeout),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      result =
        res.status >= 200 && res.status < 300
          ? { outcome: 'delivered', status: res.status }
          : { outcome: 'failed', status: res.status, error: `receiver answered ${res.status}` };
    } catch (e) {
      result = {
        outcome: 'failed',
        status: null,
        error: e instanceof Error ? e.message.slice(0, 300) : 'request failed',
      };
    }
  }
  const done = d.clock.now();
  if (result.outcome === 'delivered') {
    await d.db('webhook_deliveries').where({ id }).update({
      status: 'delivered',
      delivered_at: done,
      last_status_code: result.status,
      last_error: null,
      locked_until: null,
      next_attempt_at: null,
      updated_at: done,
    });
  } else if (result.outcome === 'failed') {
    await d
      .db('webhook_deliveries')
      .where({ id })
      .update({
        last_status_code: result.status,
        last_error: result.error,
        locked_until: null,
        next_attempt_at: new Date(done.getTime() + nextDelayMs),
        updated_at: done,
      });
  }
  return result;
}

/** The dead-letter state: no more automatic attempts. */
export async function markDead(db: Knex, id: string, now: Date): Promise<void> {
  await db('webhook_deliveries')
    .where({ id, status: 'pending' })
    .update({ status: 'dead', next_attempt_at: null, updated_at: now });
}

/** Pending deliveries the queue seems to have lost (its job never ran or was removed). */
export async function strandedDeliveries(
  db: Knex,
  now: Date,
  graceMs = 60_000,
  limit = 500,
): Promise<{ id: string; replays: number }[]> {
  return db('webhook_deliveries')
    .where({ status: 'pending' })
    .andWhere('next_attempt_at', '<', new Date(now.getTime() - graceMs))
    .andWhere((q) => void q.whereNull('locked_until').orWhere('locked_until', '<', now))
    .orderBy('next_attempt_at')
    .limit(limit)
    .select('id', 'replays');
}

/** Puts a dead or delivered delivery back in line (audited); returns its new job id. */
export async function replayDelivery(
  db: Knex,
  actor: Actor,
  id: string,
  now: Date,
): Promise<{ id: string; jobId: string }> {
  return db.transaction(async (trx) => {
    const row = await trx('webhook_deliveries').where({ id }).forUpdate().first('status', 'replays');
    if (!row) throw notFound('delivery_not_found', `no webhook delivery ${id}`);
    if (row.status === 'pending')
      throw conflict('delivery_pending', 'this delivery is still being attempted');
    await trx('webhook_deliveries')
      .where({ id })
      .update({
        status: 'pending',
        replays: row.replays + 1,
        next_attempt_at: now,
        locked_until: null,
        updated_at: now,
      });
    await audit(trx, actor, 'scenic.webhook.replayed', `webhook:${id}`, { previous: row.status });
    return { id, jobId: deliveryJobId(id, row.replays + 1) };
  });
}

export interface DeliveryView {
  id: string;
  partnerId: string;
  eventId: string;
  eventType: string;
  orderId: string | null;
  status: string;
  attempts: number;
  replays: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

export async function listDeliveries(
  db: Knex,
  q: { partnerId?: string; status?: WebhookDeliveryRow['status']; limit: number },
): Promise<DeliveryView[]> {
  let rows = db('webhook_deliveries').orderBy('created_at', 'desc').limit(q.limit);
  if (q.partnerId) rows = rows.where({ partner_id: q.partnerId });
  if (q.status) rows = rows.where({ status: q.status });
  const list = await rows.select();
  return list.map((r) => ({
    id: r.id,
    partnerId: r.partner_id,
    eventId: r.event_id,
    eventType: r.event_type,
    orderId: r.order_id,
    status: r.status,
    attempts: r.attempts,
    replays: r.replays,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
    nextAttemptAt: r.next_attempt_at ? r.next_attempt_at.toISOString() : null,
  }));
}
