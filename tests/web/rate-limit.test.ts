import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { ManualClock } from '../../core/clock.js';
import { localTime } from '../../core/time.js';
import { launchChromium, phone } from './browser.js';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../core/config.js';

/**
 * A 429 from the API's own rate limiter (api/rate-limit.ts: 120 orders a minute per
 * caller) while placing an order: the page shows the queue panel and retries after
 * Retry-After with the same Idempotency-Key; no error is shown and nothing is lost.
 */
describe('visitor page under the rate limiter', () => {
  // Two seconds before the end of a rate-limit window, so Retry-After is short.
  const start = Math.floor(Date.now() / 60_000) * 60_000 + 58_000;
  const clock = new ManualClock(new Date(start));
  const api = useApi({ clock, app: { rateLimits: true } });
  let browser: Browser;
  const tomorrow = localTime(new Date(start + 86_400_000), 'Asia/Shanghai').date;

  beforeAll(async () => {
    await api.seed(demoArea({ id: 'rl-web', priceRules: [] }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the queue state for a 429 and places the order once the window passes', async () => {
    const page = await (await phone(browser)).newPage();
    await page.goto(`${api.url}/?area=rl-web`);
    await page.locator(`[data-date="${tomorrow}"]`).click();
    await page.getByRole('button', { name: '+ Adult' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('label.slot', { hasText: '09:00–10:00' }).click();
    await page.fill('#v1-name', '张三');
    await page.fill('#v1-id', residentId('19900307', 321));
    await page.getByRole('button', { name: 'Next' }).click();
    // other callers from this address use up the window (anonymous callers count by address)
    for (let i = 0; i < 120; i++) await api.call('POST', '/v1/orders', { body: {} });
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForSelector('[data-testid="queue"]');
    expect(await page.textContent('[data-testid="queue"]')).toContain('Many people are buying right now');
    expect(await page.locator('.notice.error').count()).toBe(0);
    clock.advance(5_000); // the next window
    await page.waitForSelector('[data-testid="hold"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="queue"]').count()).toBe(0);
    const rows = await api.platform
      .db('orders')
      .where({ area_id: 'rl-web' })
      .count<{ n: string | number }[]>('* as n');
    expect(Number(rows[0]!.n)).toBe(1); // one order: the retry reused the Idempotency-Key
  });
});

/**
 * 17.9: rate limits keyed by the real client. Behind a configured proxy every visitor
 * gets buckets of their own (the waiting room's join too); exposed directly, a forged
 * X-Forwarded-For buys nothing; reads and writes count apart, so a page polling its order
 * never spends the writes its buyer needs. Plain HTTP, no browser.
 */
describe('17.9 rate limits behind a trusted proxy', () => {
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 1_000));
  const api = useApi({
    clock,
    app: { rateLimits: true },
    env: {
      SCENIC_TRUSTED_PROXIES: '127.0.0.1',
      SCENIC_QUEUE_JOIN_PER_MINUTE: '3',
      SCENIC_RATE_WRITES_PER_MINUTE: '20',
    },
  });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const D = localTime(new Date(clock.now().getTime() + 3 * 86_400_000), 'Asia/Shanghai').date;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'rl-proxy', priceRules: [] }));
    const room = await api.call('PUT', '/v1/admin/areas/rl-proxy/waiting-room', {
      key: api.adminKey,
      body: { opensAt: new Date(clock.now().getTime() - 1000).toISOString(), ratePerSecond: 10, burst: 100 },
    });
    expect(room.status).toBe(200);
  });

  it('keys the waiting-room join by the client, not by the proxy', async () => {
    const join = (ip: string, n: number) =>
      api.call('POST', '/v1/queue/rl-proxy/join', {
        body: { deviceId: `device-${ip}-${n}` },
        headers: from(ip),
      });
    for (let i = 0; i < 3; i++) expect((await join('198.51.100.1', i)).body.code).not.toBe('rate_limited');
    expect((await join('198.51.100.1', 9)).body.code).toBe('rate_limited');
    expect((await join('198.51.100.2', 1)).status).toBe(200); // another visitor behind the same ingress
  });

  it("counts reads apart from writes: a buyer's poll never spends the writes", async () => {
    const placed = await api.call('POST', '/v1/orders', {
      headers: { ...from('198.51.100.3'), 'idempotency-key': randomUUID() },
      body: {
        areaId: 'rl-proxy',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: residentId('19900307', 77) }] }],
      },
    });
    expect(placed.status).toBe(201);
    const poll = () =>
      api.call('GET', `/v1/orders/${String(placed.body.id)}`, {
        headers: { ...from('198.51.100.3'), 'x-order-token': String(placed.body.accessToken) },
      });
    // a minute of the page's 2-second poll, then the buyer still writes
    for (let i = 0; i < 30; i++) expect((await poll()).status).toBe(200);
    const write = () => api.call('POST', '/v1/orders', { headers: from('198.51.100.3'), body: {} });
    for (let i = 0; i < 19; i++) expect((await write()).status).toBe(400);
    expect((await write()).body.code).toBe('rate_limited');
    // out of writes, the page still reads its order
    expect((await poll()).status).toBe(200);
    expect((await api.call('POST', '/v1/orders', { headers: from('198.51.100.4'), body: {} })).status).toBe(
      400,
    );
  });
});

describe('17.9 rate limits with no trusted proxy', () => {
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 1_000));
  const api = useApi({
    clock,
    app: { rateLimits: true },
    env: { SCENIC_TRUSTED_PROXIES: '', SCENIC_RATE_WRITES_PER_MINUTE: '20' },
  });

  it('ignores a forged X-Forwarded-For', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 21; i++)
      codes.push(
        (await api.call('POST', '/v1/orders', { headers: { 'x-forwarded-for': `203.0.113.${i}` }, body: {} }))
          .body.code,
      );
    expect(codes.at(-1)).toBe('rate_limited');
  });

  it('refuses a list that is not addresses at start', () => {
    expect(() => loadConfig({ ...api.env, SCENIC_TRUSTED_PROXIES: '10.0.0.0/8, ingress.local' })).toThrow(
      /SCENIC_TRUSTED_PROXIES/,
    );
  });
});
