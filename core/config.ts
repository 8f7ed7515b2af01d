import { z } from 'zod';
import { parseInput } from './validation.js';
import { readPaymentSettings, type PaymentSettings } from './payments/settings.js';
import { trustEntries, trustEntryProblem } from './client-address.js';
import { readPiiKeys, type PiiKeySet } from './pii/keys.js';
import { parseClusterNodes, type RedisTarget } from './redis/client.js';

/**
 * Process configuration, read once from the environment and validated: a bad
 * value stops the process at start with the variable's name, never mid-request.
 */
const CLUSTER_NODES = /^\s*[A-Za-z0-9.-]+:\d{1,5}\s*(,\s*[A-Za-z0-9.-]+:\d{1,5}\s*)*$/;

const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  /**
   * Redis: one server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES, `host:port,…`, a few
   * seed nodes; ioredis finds the rest). With both, the cluster is used and the URL only lends
   * its user, password and TLS (rediss://) to every node. core/redis/README.md.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  REDIS_CLUSTER_NODES: z.string().regex(CLUSTER_NODES, 'must be host:port[,host:port…]').optional(),
  /**
   * Replicas an inventory write must reach before it is answered (WAIT): 1 by default on a
   * cluster (each master has a replica), 0 on a single server. REDIS_WAIT_TIMEOUT_MS bounds the
   * wait; a write not replicated in time is answered 503 `redis_not_replicated` (retry).
   */
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(5).optional(),
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(500),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/)
    .default('scenic:'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /**
   * Personal data at rest: SCENIC_PII_KEYS (`id:base64key,…`) with SCENIC_PII_KEY_ID (the one
   * that seals), and/or SCENIC_PII_KEY (the single key of installs before key ids, id `k0`).
   * Checked by core/pii/keys.ts (`pii` below); none has a default.
   */
  SCENIC_PII_KEY: z.string().optional(),
  SCENIC_PII_KEYS: z.string().optional(),
  SCENIC_PII_KEY_ID: z.string().optional(),
  /** Key for the keyed hashes (HMAC-SHA256) used to look up ID numbers and phones. */
  SCENIC_LOOKUP_KEY: z.string().min(16, 'must be at least 16 characters'),
  SCENIC_HOLD_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  /**
   * Held-units budgets of visitors (core/orders/hold-caps.ts, issue 17 item 8): an anonymous
   * order holds at most ANON_UNITS_PER_ORDER units, at most ANON_HELD_UNITS at once per client
   * address and per device on an area-day, for ANON_HOLD_TTL_SECONDS; a signed-in visitor up to
   * VISITOR_HELD_UNITS per order and at once per phone and device.
   */
  SCENIC_ANON_UNITS_PER_ORDER: z.coerce.number().int().min(1).max(500).default(10),
  SCENIC_ANON_HELD_UNITS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  SCENIC_ANON_HOLD_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  SCENIC_VISITOR_HELD_UNITS: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** Base URL the outside world reaches this API at (payment callbacks, links). */
  SCENIC_PUBLIC_URL: z.string().url().optional(),
  /**
   * Payment providers (SCENIC_PAYMENT_PROVIDERS, SCENIC_WECHAT_*, SCENIC_ALIPAY_*,
   * SCENIC_ALLOW_FAKE_GATEWAY) are read by core/payments/settings.ts; these tune the money path.
   * A refund the provider refuses is sent again with backoff this many times, then alerted as failed.
   */
  SCENIC_REFUND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Zone diversion (core/zones/, issue 21): the worker evaluates every area's zones this
   * often; messages to LED screens and loudspeakers are signed with SCENIC_SIGNAGE_SECRET
   * (`X-Scenic-Signage-Signature`, core/zones/README.md) when it is set, and sent unsigned
   * otherwise (a controller that cannot check one). No default secret.
   */
  SCENIC_ZONES_EVERY_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  SCENIC_SIGNAGE_SECRET: z.string().min(16).optional(),
  /** SMS adapter: POST {to, text} JSON to this URL; unset = nothing is delivered, the message is logged (number masked). */
  SCENIC_SMS_WEBHOOK_URL: z.string().url().optional(),
  /**
   * Without a webhook, log texts whole (`1`: the demo and the tests read sign-in codes there)
   * or with every code redacted (`0`, the default: a log reader must not be able to sign in as
   * anyone).
   */
  SCENIC_SMS_LOG_TEXT: z.enum(['0', '1']).default('0'),
  /** Mini-program subscribe messages (issue 22 campaigns): the app's credentials and WeChat's API base; unset = SMS only. */
  SCENIC_WECHAT_MP_APPID: z.string().min(1).optional(),
  SCENIC_WECHAT_MP_SECRET: z.string().min(1).optional(),
  SCENIC_WECHAT_MP_API: z.string().url().default('https://api.weixin.qq.com'),
  /** The weather forecast (QWeather v7 style) weather-triggered campaigns read; unset = no weather rules run. */
  SCENIC_WEATHER_API: z.string().url().optional(),
  SCENIC_WEATHER_KEY: z.string().min(1).optional(),
  /** Shared secret the SMS provider's reply callback carries (x-sms-reply-token); unset = replies are not accepted. */
  SCENIC_SMS_REPLY_TOKEN: z.string().min(16).optional(),
  /**
   * Proxies whose X-Forwarded-For is believed (issue 17 item 9): comma-separated IPs, CIDRs,
   * `loopback`, `private`; empty = none (the API faces clients directly). Behind an ingress,
   * name the ingress's addresses, or every visitor shares its address and its rate limits.
   */
  SCENIC_TRUSTED_PROXIES: z
    .string()
    .default('loopback')
    .superRefine((list, ctx) => {
      for (const e of trustEntries(list)) {
        const problem = trustEntryProblem(e);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  /** requests per caller (actor, else client address) per minute: reads (GET/HEAD) and writes apart */
  SCENIC_RATE_READS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  SCENIC_RATE_WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  /** waiting-room joins per client address per minute (bots are throttled here) */
  SCENIC_QUEUE_JOIN_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000_000).default(30),
  /**
   * What this API process serves: `all`, or `partner` — only the signed partner doors
   * (`/partner/v1`, `/octo`) plus health and metrics, for a Deployment of its own that a
   * public presale surge cannot starve (the operator's `partnerApi`).
   */
  SCENIC_API_ROUTES: z.enum(['all', 'partner']).default('all'),
  /** event-loop lag (ms) above which the waiting room answers "busy, retry" before doing any work; 0 = never (api/overload.ts) */
  SCENIC_SHED_LAG_MS: z.coerce.number().int().min(0).max(10_000).default(40),
  /** staff sessions end after this long without a request (console and API) */
  SCENIC_STAFF_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** …and this long after sign-in, whatever happens */
  SCENIC_STAFF_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /** wrong passwords or codes in a row that lock an account… */
  SCENIC_SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** …for this long */
  SCENIC_SIGN_IN_LOCK_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** failed sign-ins from one address, over every account, within the lock window, that throttle it */
  SCENIC_SIGN_IN_ADDRESS_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  /** how long a one-time enrolment link (first password, reset) stays valid */
  SCENIC_ENROLMENT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(72),
  /** device keys expire this many days after they were issued (at most) */
  SCENIC_DEVICE_KEY_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3 * 365)
    .default(365),
  /** when a key is issued again without an overlap, the old ones keep working this long, then stop */
  SCENIC_KEY_OVERLAP_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .default(86400),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

const EnvChecked = Env.superRefine((e, ctx) => {
  if (!e.REDIS_URL && !e.REDIS_CLUSTER_NODES)
    ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'set REDIS_URL or REDIS_CLUSTER_NODES' });
});

export type Config = z.output<typeof Env> & {
  /** where Redis is and how many replicas an inventory write waits for (core/redis/client.ts) */
  redis: RedisTarget;
  /** the payment providers' settings, checked (no key has a default; fakes only when allowed) */
  payments: PaymentSettings;
  /** the PII keys, by id, and the one that seals new values */
  pii: PiiKeySet;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseInput(EnvChecked, env, 'invalid_config');
  const clusterNodes = e.REDIS_CLUSTER_NODES ? parseClusterNodes(e.REDIS_CLUSTER_NODES) : undefined;
  return {
    ...e,
    redis: {
      url: e.REDIS_URL,
      clusterNodes,
      waitReplicas: e.REDIS_WAIT_REPLICAS ?? (clusterNodes ? 1 : 0),
      waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
    },
    payments: readPaymentSettings(env),
    pii: readPiiKeys(env),
  };
}

const DbEnv = Env.pick({ DATABASE_URL: true, DATABASE_SCHEMA: true, DATABASE_POOL_MAX: true });
export type DbConfig = z.output<typeof DbEnv>;

/** The database settings and the PII keys and lookup key (`scenic keys`). */
export function loadKeysConfig(env: NodeJS.ProcessEnv = process.env): DbConfig & {
  pii: PiiKeySet;
  SCENIC_LOOKUP_KEY: string;
} {
  const lookup = parseInput(Env.pick({ SCENIC_LOOKUP_KEY: true }), env, 'invalid_config');
  return { ...loadDbConfig(env), ...lookup, pii: readPiiKeys(env) };
}

/** Just the database settings, for commands that need nothing else (migrate). */
export function loadDbConfig(env: NodeJS.ProcessEnv = process.env): DbConfig {
  return parseInput(DbEnv, env, 'invalid_config');
}
