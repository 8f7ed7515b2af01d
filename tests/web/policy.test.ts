import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { inPage, launchChromium, phone, shot } from './browser.js';

/**
 * Issue 18: the booking page shows each product's refund and reschedule policy before
 * purchase — the same object the API enforces — at phone size (390×844), nothing off the
 * screen.
 */
describe('visitor page: policies before purchase', () => {
  const api = useApi({ app: { rateLimits: false } });
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'web-policy',
        priceRules: [],
        quotas: [],
        products: [
          {
            id: 'adult',
            name: 'Adult',
            kind: 'adult',
            basePrice: 8000,
            policy: {
              refund: { cutoff: { kind: 'hours_before', hours: 24 }, fee: { kind: 'percent', bps: 1000 } },
              reschedule: { freeCount: 1, fee: { kind: 'fixed', amount: 500 } },
            },
          },
          {
            id: 'final',
            name: 'Final sale',
            kind: 'adult',
            basePrice: 5000,
            policy: { refund: { allowed: false }, reschedule: { allowed: false } },
          },
        ] as never,
      }),
    );
    browser = await launchChromium();
    page = await (await phone(browser)).newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('says each product’s terms in the list, wrapped inside a phone screen', async () => {
    await page.goto(`${api.url}/?area=web-policy`);
    const adult = page.locator('[data-policy="adult"]');
    await adult.waitFor({ timeout: 15_000 });
    expect(await adult.textContent()).toBe(
      'Refunds until 24 h before the slot, 10% fee. Reschedule until the slot starts: 1 free, then ¥5 fee (at most 5).',
    );
    expect(await page.locator('[data-policy="final"]').textContent()).toBe(
      'Not refundable. Cannot be rescheduled.',
    );
    const vw = page.viewportSize()!;
    expect(vw).toEqual({ width: 390, height: 844 });
    for (const el of await page.locator('small.policy').all()) {
      const box = (await el.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(vw.width);
    }
    expect(await inPage<number>(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(vw.width);
    await shot(page, 'policy-list');
  });
});
