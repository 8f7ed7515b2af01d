import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { ManualClock } from '../../core/clock.js';
import { localTime } from '../../core/time.js';
import { launchChromium, phone } from './browser.js';

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
