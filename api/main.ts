import { instrumentations } from '../core/telemetry/instrument.js'; // first: patches libraries before they load
import { createServer } from 'node:http';
import { loadConfig } from '../core/config.js';
import { createPlatform } from '../core/platform.js';
import { paymentProvidersReady } from '../core/payments/config.js';
import { createApp } from './app.js';
import { startTelemetry } from '../core/telemetry/sdk.js';
import { holdExpiryScheduler } from '../workers/queues.js';

/** `scenic api`: serves HTTP until SIGTERM, then drains connections and closes pools. */
export async function main(): Promise<void> {
  const cfg = loadConfig();
  const platform = createPlatform(cfg, { role: 'api' });
  const telemetry = startTelemetry({
    role: 'api',
    instrumentations,
    onError: (source, err) => platform.log.warn({ source, err }, 'metrics collection failed'),
  });
  const schedule = holdExpiryScheduler(platform);
  platform.orders.onHoldPlaced = (id, at) => schedule.schedule(id, at);
  const { handler } = createApp(platform);
  // a provider loaded lazily (Alipay's SDK) is in before the first notification can arrive
  await paymentProvidersReady(platform.payments.values());
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(cfg.PORT, cfg.HOST, resolve));
  platform.log.info({ addr: server.address() }, 'api listening');

  await new Promise<void>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve());
  });
  platform.log.info('api shutting down');
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeIdleConnections();
  });
  await schedule.close();
  await telemetry.shutdown();
  await platform.close();
}
