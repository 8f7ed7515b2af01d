import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerGateDevice } from '../core/checkin/devices.js';
import { join } from 'node:path';
import { loadConfig } from '../core/config.js';
import { createPlatform } from '../core/platform.js';
import { migrateLatest } from '../core/db/migrate.js';
import { startWechatPayFake } from '../fakes/wechat-pay.js';
import { startAlipayFake } from '../fakes/alipay.js';
import { createApp } from '../api/app.js';
import { startWorkers } from '../workers/main.js';
import { holdExpiryScheduler } from '../workers/queues.js';
import { addDays, localParts } from '../core/time.js';
import { startTelemetry } from '../core/telemetry/sdk.js';
import { loadNotifierConfig } from '../workers/notifier.js';
import { seedDemo, type DemoSeed } from './demo-seed.js';

/**
 * `scenic demo`: the whole platform in one process on local defaults: migrations, the
 * demo scenic area, local fakes of WeChat Pay and Alipay (fakes/: they make their keys at
 * start and speak the providers' protocols, so the real adapters run), the API and the
 * workers. For a real deployment run each role as its own process (`scenic api`, `scenic
 * worker`, ...) with the providers' own keys from a Secret.
 */
export async function main(_argv: string[]): Promise<number> {
  process.env.HOST ??= '127.0.0.1';
  process.env.PORT ??= '8080';
  // the demo has no SMS provider: sign-in codes show in its log
  process.env.SCENIC_SMS_LOG_TEXT ??= '1';
  // metrics are closed without a scrape token: the demo makes one per start and prints it
  process.env.SCENIC_METRICS_TOKEN ??= randomBytes(16).toString('hex');
  // the staff page reaches the demo's gate agent through the API
  process.env.SCENIC_WEB_GATE_AGENT_URL ??= `http://127.0.0.1:${process.env.SCENIC_DEMO_GATE_PORT ?? 8090}`;
  const wechat = await startWechatPayFake({ port: Number(process.env.SCENIC_DEMO_WECHAT_PORT ?? 8099) });
  const alipay = await startAlipayFake({ port: Number(process.env.SCENIC_DEMO_ALIPAY_PORT ?? 8098) });
  Object.assign(process.env, wechat.env(), alipay.env(), {
    SCENIC_PAYMENT_PROVIDERS: 'wechat,alipay',
    // the demo's providers are the local fakes, and it says so: no deployment may
    SCENIC_ALLOW_FAKE_GATEWAY: '1',
  });
  const cfg = loadConfig();
  const p = createPlatform(cfg, { role: 'demo' });
  await migrateLatest(p.db, cfg.DATABASE_SCHEMA);
  // Channels, the demo area, an admin key and a partner with its key (kept per state directory).
  const state = process.env.SCENIC_STATE ?? '/var/tmp/scenic';
  const seed = await seedDemo(p, state);
  const { area } = seed;

  const schedule = holdExpiryScheduler(p);
  p.orders.onHoldPlaced = (id, at) => schedule.schedule(id, at);
  // one process serves both roles' metrics on the API's /metrics
  const telemetry = startTelemetry({ role: 'api', alsoRoles: ['worker'] });
  const { handler } = createApp(p);
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(cfg.PORT, cfg.HOST, r));
  const workers = await startWorkers(p, { metrics: telemetry.metrics, notifier: loadNotifierConfig() });
  const base = `http://${cfg.HOST}:${cfg.PORT}`;

  // A gate agent for the North Gate, as its own process like on an edge node. The
  // device credential is re-issued at every start (registering again re-keys it).
  await p.keys(); // the ticket-signing key ring exists before any gate asks for it
  const { credential } = await registerGateDevice(
    p.db,
    { id: 'north-1', areaId: area.id, entranceId: 'north-gate', kind: 'handheld' },
    p.clock,
  );
  const gatePort = Number(process.env.SCENIC_DEMO_GATE_PORT ?? 8090);
  const gate = spawn(
    process.execPath,
    [fileURLToPath(new URL('../bin/scenic.mjs', import.meta.url)), 'gate'],
    {
      env: {
        ...process.env,
        SCENIC_GATE_API_URL: `${base}/gate/v1`,
        SCENIC_GATE_CREDENTIAL: credential,
        SCENIC_GATE_JOURNAL: join(state, 'demo-gate-north-1.sqlite'),
        SCENIC_GATE_PORT: String(gatePort),
        SCENIC_GATE_HOST: '127.0.0.1',
        SCENIC_GATE_ALLOWED_ORIGINS: base,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const date = addDays(localParts(new Date(), area.timezone).date, 1);
  console.log(banner({ base, wechatUrl: wechat.url, alipayUrl: alipay.url, gatePort, date, seed }));
  await new Promise<void>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve());
  });
  gate.kill('SIGTERM');
  server.close();
  server.closeAllConnections();
  await workers.close();
  await schedule.close();
  await wechat.close();
  await alipay.close();
  await telemetry.shutdown();
  await p.close();
  return 0;
}

/**
 * What the demo prints: where everything is, the credentials, and commands that work as
 * printed (README.md "Try it" runs the same steps, and tests/docs/commands.test.ts runs
 * the README).
 */
function banner(o: {
  base: string;
  wechatUrl: string;
  alipayUrl: string;
  gatePort: number;
  date: string;
  seed: DemoSeed;
}): string {
  const { base, date, seed } = o;
  const { area, adminKey, partner } = seed;
  return `
Scenic demo is up.
  API            ${base}   (health ${base}/healthz, ready ${base}/readyz)
  Visitor page   ${base}/          Staff handheld page ${base}/staff (sign in with a box-office key)
  OpenAPI        ${base}/v1/openapi.json
  Metrics        ${base}/metrics   (Authorization: Bearer ${process.env.SCENIC_METRICS_TOKEN})
  Queues         ${base}/admin/queues (user admin, password = the admin key)
  Daily report   ${base}/v1/admin/reports/${area.id}/${date}.csv
  Demo area      ${base}/v1/areas/${area.id}   (entrances ${area.entrances.map((e) => e.id).join(', ')})
  Admin API key  ${adminKey}   (Authorization: Bearer …, e.g. ${base}/v1/admin/audit)
  Partner (OTA)  ${partner.id}, channel ${partner.channelId}: key id ${partner.keyId}, secret ${partner.secret}
  Fake payments  WeChat Pay ${o.wechatUrl}, Alipay ${o.alipayUrl}   (local fakes: open a payment's payUrl, or POST <payUrl>/complete)
  Gate agent     http://127.0.0.1:${o.gatePort}   (North Gate handheld: POST /scan {"qr":"SC1…"}, GET /health)

For the README's examples, in another shell:
  export SCENIC_API_URL=${base} SCENIC_ADMIN_KEY=${adminKey} \\
         SCENIC_PARTNER_KEY=${partner.keyId} SCENIC_PARTNER_SECRET=${partner.secret}

Buy, pay and get the tickets (README "Try it" does the same, keeping the answers in variables):
  curl -s '${base}/v1/areas/${area.id}/availability?date=${date}'
  curl -s -XPOST ${base}/v1/orders -H 'content-type: application/json' -H "idempotency-key: $(uuidgen || date +%s%N)" \\
       -d '{"areaId":"${area.id}","date":"${date}","slotId":"0900","contactPhone":"13812345678","items":[{"productId":"adult","visitors":[{"name":"张三","idNumber":"11010519491231002X"}]}]}'
  curl -s -XPOST ${base}/v1/orders/<id>/payments -H 'x-order-token: <accessToken>'
  curl -s -XPOST '<payUrl>/complete'      # the visitor pays on the fake WeChat Pay's page
  curl -s ${base}/v1/orders/<id> -H 'x-order-token: <accessToken>'   # issued, with the QR codes

As the partner: npx tsx clients/partner-client.ts GET '/partner/v1/areas/${area.id}/products?date=${date}'
  (signed with SCENIC_PARTNER_KEY/SECRET), or OCTO with the bearer form:
  curl -s ${base}/octo/products -H "authorization: Bearer ${partner.keyId}.${partner.secret}"

Ctrl-C stops it.
`;
}
