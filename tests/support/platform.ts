import { afterAll, beforeAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../core/config.js';
import { createPlatform, type Platform } from '../../core/platform.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { createApp, type AppOptions } from '../../api/app.js';
import { upsertArea, upsertChannels } from '../../core/catalog/catalog.js';
import {
  DEFAULT_CHANNELS,
  type AreaDefinition,
  type ChannelDefinition,
} from '../../core/catalog/definition.js';
import { createApiKey } from '../../core/auth/api-keys.js';
import { startWechatPayFake, type WechatPayFake } from '../../fakes/wechat-pay.js';
import { startAlipayFake, type AlipayFake } from '../../fakes/alipay.js';
import type { CallbackPlan, Delivery } from '../../fakes/kit/notifier.js';
import { outTradeNoOf } from '../../core/payments/gateway.js';
import type { PaymentRow } from '../../core/db/tables.js';
import { redactDeep, redactText } from '../../core/pii/mask.js';
import { residentIdCheckChar } from '../../core/pii/id-number.js';
import { usePostgres } from './postgres.js';
import { useRedis } from './redis.js';
import type { Actor } from '../../core/orders/model.js';
import { ALL_AREAS, type AreaScope } from '../../core/auth/scope.js';
import type { KeyDeviceKind } from '../../core/auth/roles.js';

export interface TestPlatform {
  platform: Platform;
  cfg: Config;
  env: Record<string, string>;
  url: string;
  server: Server;
  /** the local WeChat Pay and Alipay (fakes/), the platform's providers (WeChat the default) */
  wechat: WechatPayFake;
  alipay: AlipayFake;
  /** the newest payment of an order (the one a payer is paying) */
  payment(orderId: string): Promise<PaymentRow>;
  /** the payer pays the order's newest payment at its provider; the provider notifies per `plan` */
  pay(orderId: string, plan?: CallbackPlan): Promise<Delivery[]>;
  adminKey: string;
  /** the scrape token of `/metrics` (SCENIC_METRICS_TOKEN: metrics are closed without one) */
  metricsToken: string;
  /** GET /metrics with the scrape token */
  metrics(): Promise<Response>;
  /** every log line the platform wrote, as it was written (after redaction) */
  logLines: string[];
  seed(area: AreaDefinition, channels?: ChannelDefinition[]): Promise<void>;
  /**
   * A new API key of `role` (selling through `channelId`), acting for every area unless
   * `scope.areas` names some: the tests written before keys had areas keep their keys.
   */
  key(
    role: NonNullable<Actor['role']>,
    channelId?: string,
    scope?: { areas?: AreaScope; device?: KeyDeviceKind },
  ): Promise<string>;
  /** signs a phone in with the SMS code the log shows; the visitor session token */
  signIn(phone: string): Promise<string>;
  /** fetch against the API with JSON in and out */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; key?: string },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
}

/**
 * A whole API in-process on an ephemeral port, over this file's own Postgres schema
 * and Redis prefix, paying through the real WeChat Pay and Alipay adapters against the
 * local fakes (fakes/wechat-pay.ts, fakes/alipay.ts). Logs are captured so tests can
 * check that no personal data leaks.
 */
export function useApi(
  opts: { clock?: Clock; app?: AppOptions; env?: Record<string, string> } = {},
): TestPlatform {
  const pg = usePostgres({ poolMax: 30 });
  const r = useRedis();
  const ctx = { logLines: [] as string[] } as TestPlatform;
  beforeAll(async () => {
    ctx.wechat = await startWechatPayFake();
    ctx.alipay = await startAlipayFake();
    // the in-process API reads it from the environment (core/telemetry/config.ts), as do
    // the role processes a test starts from `env`
    process.env.SCENIC_METRICS_TOKEN ??= randomBytes(16).toString('hex');
    ctx.metricsToken = process.env.SCENIC_METRICS_TOKEN;
    ctx.env = {
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      DATABASE_POOL_MAX: '30',
      ...r.env, // REDIS_URL, or REDIS_CLUSTER_NODES in the cluster leg (SCENIC_TEST_REDIS=cluster)
      REDIS_PREFIX: r.prefix,
      SCENIC_PII_KEY: randomBytes(32).toString('base64'),
      SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
      SCENIC_PAYMENT_PROVIDERS: 'wechat,alipay',
      ...ctx.wechat.env(),
      ...ctx.alipay.env(),
      // the tests' providers are the local fakes, and they say so
      SCENIC_ALLOW_FAKE_GATEWAY: '1',
      SCENIC_SMS_LOG_TEXT: '1', // the tests read sign-in codes from the log
      SCENIC_METRICS_TOKEN: ctx.metricsToken,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      // Tests of other things place many anonymous orders from 127.0.0.1: the held-units
      // budgets (issue 17 item 8) are opened wide here; tests/orders/hold-caps.test.ts sets
      // the production defaults back and tests them.
      SCENIC_ANON_UNITS_PER_ORDER: '500',
      SCENIC_ANON_HELD_UNITS: '1000000',
      SCENIC_ANON_HOLD_TTL_SECONDS: '3600',
      SCENIC_VISITOR_HELD_UNITS: '1000000',
      ...opts.env,
    };
    ctx.cfg = loadConfig(ctx.env);
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        ctx.logLines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const log = pino(
      {
        level: 'info',
        formatters: { log: (o) => redactDeep(o) as Record<string, unknown> },
        hooks: {
          logMethod(args, method) {
            method.apply(
              this,
              args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>,
            );
          },
        },
      },
      sink,
    );
    ctx.platform = createPlatform(ctx.cfg, { role: 'api', clock: opts.clock ?? systemClock, log });
    // The API runs in the test's own process, whose event loop also runs the test (and
    // Playwright's client): that lag is the test's, not a server's, and must not make the
    // waiting room shed. Tests of shedding pass a lag of their own (tests/presale/shedding).
    const { handler } = createApp(ctx.platform, { loopLag: { ms: 0 }, ...opts.app });
    ctx.server = createServer(handler);
    await new Promise<void>((res) => ctx.server.listen(0, '127.0.0.1', res));
    ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`;
    ctx.platform.orders.callbackBaseUrl = `${ctx.url}/v1/payments/callback`;
    ctx.platform.orders.publicUrl = ctx.url;
    ctx.payment = async (orderId) => {
      const p = await ctx.platform
        .db('payments')
        .where({ order_id: orderId })
        .orderBy('created_at', 'desc')
        .first();
      if (!p) throw new Error(`order ${orderId} has no payment`);
      return p;
    };
    ctx.pay = async (orderId, plan) => {
      const p = await ctx.payment(orderId);
      const no = outTradeNoOf(p.id);
      if (p.provider === 'wechat') return ctx.wechat.pay(no, plan);
      if (p.provider === 'alipay') {
        // a page or wap payment exists at Alipay once the payer's browser opens it
        const page = p.raw?.payUrl;
        if (!ctx.alipay.trades.has(no) && typeof page === 'string') await fetch(page);
        return ctx.alipay.pay(no, plan);
      }
      throw new Error(`payment ${p.id} is ${p.provider}, not a provider's`);
    };
    ctx.metrics = () =>
      fetch(`${ctx.url}/metrics`, { headers: { authorization: `Bearer ${ctx.metricsToken}` } });
    await upsertChannels(ctx.platform.db, DEFAULT_CHANNELS);
    ctx.adminKey = (await createApiKey(ctx.platform.db, { name: 'test admin', role: 'admin' })).key;
    ctx.seed = async (area, channels = []) => {
      if (channels.length) await upsertChannels(ctx.platform.db, channels);
      await upsertArea(ctx.platform.db, area);
      ctx.platform.catalog.invalidate();
    };
    ctx.key = async (role, channelId, scope = {}) =>
      (
        await createApiKey(ctx.platform.db, {
          name: `test ${role}`,
          role,
          channelId,
          areas: role === 'partner' ? [] : (scope.areas ?? ALL_AREAS),
          device: scope.device,
        })
      ).key;
    ctx.signIn = async (phone) => {
      const sent = await ctx.call('POST', '/v1/auth/otp', { body: { phone } });
      if (sent.status !== 202)
        throw new Error(`otp for ${phone}: ${sent.status} ${JSON.stringify(sent.body)}`);
      const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
      const line = ctx.logLines.findLast((l) => l.includes('sign-in code') && l.includes(masked))!;
      const code = /code: (\d{6})/.exec(line)![1]!;
      const s = await ctx.call('POST', '/v1/auth/session', { body: { phone, code } });
      if (s.status !== 201) throw new Error(`session for ${phone}: ${s.status}`);
      return String(s.body.token);
    };
    ctx.call = async (method, path, o = {}) => {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      if (o.key) headers.authorization = `Bearer ${o.key}`;
      const res = await fetch(ctx.url + path, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        headers: res.headers,
      };
    };
  });
  afterAll(async () => {
    await new Promise<void>((res) => (ctx.server ? ctx.server.close(() => res()) : res()));
    ctx.server?.closeAllConnections();
    await ctx.wechat?.close();
    await ctx.alipay?.close();
    await ctx.platform?.close();
  });
  return ctx;
}

/** A valid resident ID number for a given birth date and sequence (check digit computed). */
export function residentId(birth = '19900307', seq = 451): string {
  const first17 = `330106${birth}${String(seq % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}
