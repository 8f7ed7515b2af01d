import type { Knex } from 'knex';
import type { Config } from './config.js';
import { createDb } from './db/knex.js';
import { createLogger, type Logger } from './log.js';
import { systemClock, type Clock } from './clock.js';
import { Catalog } from './catalog/catalog.js';
import { Inventory } from './inventory/inventory.js';
import { PiiVault } from './pii/crypto.js';
import { loadKeyRing, type KeyRing } from './tickets/keys.js';
import { buildPaymentProviders, type PaymentProviders } from './payments/config.js';
import type { OrderDeps } from './orders/store.js';
import { LogSms, WebhookSms, type SmsSender } from './notify/sms.js';
import { offerWaitlist } from './orders/waitlist.js';
import { openRedis, type Redis } from './redis/client.js';

/**
 * The composition root: builds every long-lived dependency of a role from its
 * configuration, once. Tests build one with their own schema, prefix and clock.
 */
export interface Platform {
  cfg: Config;
  log: Logger;
  clock: Clock;
  db: Knex;
  redis: Redis;
  vault: PiiVault;
  catalog: Catalog;
  inventory: Inventory;
  /** the payment providers SCENIC_PAYMENT_PROVIDERS names, the default first */
  payments: PaymentProviders;
  sms: SmsSender;
  keys: () => Promise<KeyRing>;
  orders: OrderDeps;
  /** a new Redis connection (one server or a cluster client) with the same settings (subscribers, BullMQ) */
  connectRedis(opts?: { prefixed?: boolean; forQueues?: boolean }): Redis;
  close(): Promise<void>;
}

export interface PlatformOptions {
  role: string;
  clock?: Clock;
  payments?: PaymentProviders;
  sms?: SmsSender;
  log?: Logger;
  onHoldPlaced?: OrderDeps['onHoldPlaced'];
}

export function createPlatform(cfg: Config, opts: PlatformOptions): Platform {
  const log = opts.log ?? createLogger(opts.role, cfg.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: cfg.DATABASE_POOL_MAX });
  const extra: Redis[] = [];
  const connectRedis = (o: { prefixed?: boolean; forQueues?: boolean } = {}) => {
    // the one factory (core/redis/client.ts): one server or a cluster, by configuration
    const r = openRedis(cfg.redis, {
      keyPrefix: o.prefixed === false ? undefined : cfg.REDIS_PREFIX,
      forQueues: o.forQueues,
    });
    r.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
    extra.push(r);
    return r;
  };
  const redis = connectRedis();
  const vault = new PiiVault(cfg.pii, cfg.SCENIC_LOOKUP_KEY);
  const catalog = new Catalog(db, clock);
  // every replica drops a changed area from its cache the moment the change is announced
  catalog
    .follow(connectRedis({ prefixed: false }), cfg.REDIS_PREFIX)
    .catch((e: unknown) => log.error({ err: e }, 'catalog cache could not subscribe to changes'));
  const inventory = new Inventory(redis, {
    prefix: cfg.REDIS_PREFIX,
    clock,
    loadPlan: (a, d, o) => catalog.plan(a, d, o),
  });
  const payments = opts.payments ?? buildPaymentProviders(cfg.payments, clock);
  if (cfg.payments.fake)
    log.warn(
      { providers: cfg.payments.providers },
      'payments go to a fake gateway (SCENIC_ALLOW_FAKE_GATEWAY=1): the demo or the tests only',
    );
  const sms =
    opts.sms ??
    (cfg.SCENIC_SMS_WEBHOOK_URL
      ? new WebhookSms(cfg.SCENIC_SMS_WEBHOOK_URL)
      : new LogSms(log, cfg.SCENIC_SMS_LOG_TEXT === '1'));

  let ring: { at: number; value: Promise<KeyRing> } | undefined;
  const keys = () => {
    const now = clock.now().getTime();
    if (!ring || now - ring.at > 60_000) {
      const value = loadKeyRing(db, vault, clock);
      value.catch(() => (ring = undefined));
      ring = { at: now, value };
    }
    return ring.value;
  };
  const publicUrl = cfg.SCENIC_PUBLIC_URL ?? `http://${cfg.HOST}:${cfg.PORT}`;
  const orders: OrderDeps = {
    db,
    inventory,
    catalog,
    vault,
    keys,
    clock,
    payments,
    log,
    holdTtlSeconds: cfg.SCENIC_HOLD_TTL_SECONDS,
    holdCaps: {
      redis,
      policy: {
        anonUnitsPerOrder: cfg.SCENIC_ANON_UNITS_PER_ORDER,
        anonHeldUnits: cfg.SCENIC_ANON_HELD_UNITS,
        anonHoldSeconds: cfg.SCENIC_ANON_HOLD_TTL_SECONDS,
        visitorHeldUnits: cfg.SCENIC_VISITOR_HELD_UNITS,
      },
    },
    callbackBaseUrl: `${publicUrl}/v1/payments/callback`,
    publicUrl,
    refundMaxAttempts: cfg.SCENIC_REFUND_MAX_ATTEMPTS,
    onHoldPlaced: opts.onHoldPlaced,
  };
  // Freed stock goes to the waiting list first (after the commit that freed it).
  orders.onStockFreed = (areaId, date, slotId) => {
    offerWaitlist(orders, sms, areaId, date, slotId).catch((e: unknown) =>
      log.warn({ err: e, areaId, date, slotId }, 'waiting-list offer failed; the sweeper retries'),
    );
  };
  return {
    cfg,
    log,
    clock,
    db,
    redis,
    vault,
    catalog,
    inventory,
    payments,
    sms,
    keys,
    orders,
    connectRedis,
    async close() {
      for (const r of extra) r.disconnect();
      await db.destroy();
    },
  };
}
