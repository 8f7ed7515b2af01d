import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localTime } from '../../core/time.js';
import { contrasts, cssOf, inPage, launchChromium, phone, shot, unlabelled } from './browser.js';

/**
 * The visitor booking page in Chromium at phone size, against the whole API
 * in-process (its own schema and Redis prefix) and the fake payment gateway.
 */
const TZ = 'Asia/Shanghai';
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const today = localTime(new Date(), TZ).date;
const D1 = addDays(today, 1); // the purchase
const D2 = addDays(today, 2); // the reschedule target
const SOLD = addDays(today, 3); // online sales closed (orange): "sold out"
const ALMOST = addDays(today, 4); // yellow: "almost full"

// 20 a day; online channels stop at orange (85 % = 17), "almost full" from yellow (70 % = 14).
const area = demoArea({
  id: 'web-test',
  dailyCapacity: 20,
  instantCapacity: 20,
  slots: [
    { id: '0900', startsAt: '09:00', endsAt: '12:00', capacity: 10 },
    { id: '1300', startsAt: '13:00', endsAt: '17:00', capacity: 10 },
  ],
  priceRules: [],
});

describe('visitor booking page', () => {
  const api = useApi({ app: { rateLimits: false } });
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let orderId = '';
  let seq = 100;
  const ID1 = residentId('19900307', 451);
  const ID2 = residentId('19920817', 452);

  /** Takes stock the way other buyers would: holds through the public API. */
  const take = async (date: string, slotId: string, n: number) => {
    const visitors = Array.from({ length: n }, () => ({
      name: '李四',
      idNumber: residentId('19850505', seq++),
    }));
    const r = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: { areaId: area.id, date, slotId, items: [{ productId: 'adult', visitors }] },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };

  beforeAll(async () => {
    await api.seed(area);
    await take(SOLD, '0900', 10);
    await take(SOLD, '1300', 7);
    await take(ALMOST, '0900', 10);
    await take(ALMOST, '1300', 4);
    browser = await launchChromium();
    ctx = await phone(browser);
    page = await ctx.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('buys from the calendar to the QR: date and tickets, slot and real-name visitors, hold, pay, ticket', async () => {
    await page.goto(`${api.url}/?area=${area.id}`);
    const cell = (d: string) => page.locator(`[data-date="${d}"]`);
    await expect.poll(() => cell(SOLD).getAttribute('class'), { timeout: 15_000 }).toContain('soldout');
    // the sold-out day says so and cannot be picked; the yellow day says "almost full"
    expect(await cell(SOLD).isDisabled()).toBe(true);
    expect(await cell(SOLD).textContent()).toContain('Sold out');
    await expect.poll(() => cell(ALMOST).textContent()).toContain('Almost full');
    await expect.poll(() => cell(D1).isEnabled()).toBe(true);
    expect(await cell(D1).textContent()).toContain('17 left');
    await cell(D1).click();
    await page.getByRole('button', { name: '+ Adult' }).click();
    await page.getByRole('button', { name: '+ Adult' }).click();
    await shot(page, '1-calendar');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.locator('label.slot', { hasText: '09:00–12:00' }).click();
    await page.fill('#v1-name', '张三');
    // validated as typed, with the server's rule (GB 11643 check digit)
    const good = ID1;
    const typo = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    await page.fill('#v1-id', typo);
    await expect.poll(() => page.textContent('#v1-id-msg')).toContain('check digit');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.fill('#v1-id', good);
    await expect.poll(() => page.textContent('#v1-id-msg')).toContain('valid');
    await page.fill('#v2-name', '李梅');
    await page.fill('#v2-id', ID2);
    await page.fill('#phone', '13800138000');
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, '2-visitors');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForSelector('[data-testid="hold"]');
    expect(await page.textContent('[data-testid="hold"]')).toMatch(/held until \d\d:\d\d/);
    await shot(page, '3-hold');
    await page.getByRole('button', { name: /^Pay/ }).click();

    // the fake gateway's pay page, then back to the order
    await page.waitForURL(/\/pay\//);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}/);
    orderId = /\/orders\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.waitForSelector('[data-testid="ticket"] svg', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="order-status"]')).toBe('Issued');
    expect(await page.locator('[data-testid="ticket"]').count()).toBe(2);
    const box = await page.locator('[data-testid="ticket"] .qr').first().boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(250); // big enough for a turnstile scanner
    expect(await page.textContent('[data-testid="slot"]')).toBe('09:00–12:00');
    expect(await page.textContent('main')).toContain('Running late?');
    await shot(page, '4-ticket');

    // the codes drawn are the order's codes
    const token = await inPage<string>(
      page,
      `JSON.parse(localStorage.getItem('scenic.orders.v1'))[${JSON.stringify(orderId)}].token`,
    );
    const o = await api.call('GET', `/v1/orders/${orderId}`, { headers: { 'x-order-token': token } });
    expect((o.body.tickets as { code: string | null }[]).every((t) => t.code?.startsWith('SC'))).toBe(true);
  });

  it("17.18 full ID numbers sit in the browser's localStorage: after the form and the purchase, none does", async () => {
    const stored = await inPage<string>(page, 'JSON.stringify(Object.entries(localStorage))');
    expect(stored).toContain(orderId); // the order is kept, its ID numbers masked by the server
    for (const id of [ID1, ID2]) expect(stored).not.toContain(id);
    // the tab still offers the visitors it filled in
    expect(await inPage<string>(page, 'sessionStorage.getItem("scenic.visitors.v1")')).toContain(ID1);
  });

  it('keeps showing the QR offline once loaded', async () => {
    await inPage(page, 'navigator.serviceWorker.ready.then(() => true)');
    await page.reload(); // now controlled by the service worker
    await page.waitForSelector('[data-testid="ticket"] svg');
    await ctx.setOffline(true);
    try {
      await page.reload();
      await page.waitForSelector('[data-testid="ticket"] svg', { timeout: 10_000 });
      expect(await page.locator('[data-testid="ticket"]').count()).toBe(2);
      expect(await page.textContent('main')).toContain('offline');
    } finally {
      await ctx.setOffline(false);
    }
  });

  it('reschedules to another date and slot', async () => {
    await page.goto(`${api.url}/orders/${orderId}`);
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.fill('#rs-date', D2);
    await page.waitForSelector(`#rs-slot[data-day="${D2}"]:not([disabled])`); // the slots of the new date, not the old
    await expect.poll(() => page.locator('#rs-slot option').count()).toBe(3);
    await page.selectOption('#rs-slot', '1300');
    expect(await unlabelled(page)).toEqual([]);
    await page.getByRole('button', { name: 'Confirm new date' }).click();
    await expect.poll(() => page.textContent('main')).toContain(`Moved to ${D2} 13:00–17:00`);
    expect(await page.textContent('[data-testid="slot"]')).toBe('13:00–17:00');
    expect(await page.locator('[data-testid="ticket"] svg').count()).toBe(2);
  });

  it('refunds with a reason', async () => {
    await page.getByRole('button', { name: 'Refund' }).click();
    await page.selectOption('#refund-reason', 'weather');
    await page.fill('#refund-note', 'rain forecast');
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, '5-refund');
    await page.getByRole('button', { name: 'Confirm refund' }).click();
    await expect.poll(() => page.textContent('[data-testid="order-status"]')).toBe('Refunded');
    expect(await page.textContent('main')).toContain('Refund submitted: ¥160.00');
    expect(await page.locator('[data-testid="ticket"]').count()).toBe(0);
    const refunds = await api.platform
      .db('refunds')
      .where({ order_id: orderId })
      .select('reason_code', 'reason_text');
    expect(refunds).toEqual([{ reason_code: 'weather', reason_text: 'rain forecast' }]);
  });

  it('lists the orders of this phone', async () => {
    await page.getByRole('link', { name: 'My orders' }).click();
    await page.waitForSelector('[data-testid="orders"]');
    expect(await page.locator('.orders li').count()).toBe(1);
    expect(await page.textContent('.orders li')).toContain('Refunded');
    expect(await unlabelled(page)).toEqual([]);
  });

  it('finds the orders of a mobile number on another phone, after signing in with an SMS code', async () => {
    const other = await phone(browser); // a new phone: nothing saved on it
    try {
      const p = await other.newPage();
      await p.goto(`${api.url}/?area=${area.id}`);
      await p.getByRole('link', { name: 'My orders' }).click();
      await p.waitForSelector('[data-testid="orders"]');
      expect(await p.locator('.orders li').count()).toBe(0);
      await p.fill('#si-phone', '13800138000');
      const before = api.logLines.length;
      await p.getByRole('button', { name: 'Send code' }).click();
      await p.waitForSelector('#si-code');
      // the tests' SMS adapter logs the text (SCENIC_SMS_LOG_TEXT=1); production logs it redacted
      const smsLine = () => api.logLines.slice(before).find((l) => l.includes('sign-in code'));
      await expect.poll(smsLine, { timeout: 5_000 }).toBeTruthy();
      const line = smsLine()!;
      const code = /code: (\d{6})/.exec(line)![1]!;
      await p.fill('#si-code', code === '000000' ? '111111' : '000000');
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.waitForSelector('[data-testid="orders"] .notice');
      await p.fill('#si-code', code);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => p.locator('.orders li').count(), { timeout: 10_000 }).toBe(1);
      expect(await p.textContent('.orders li')).toContain('Refunded');
      expect(await unlabelled(p)).toEqual([]);
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForSelector('#si-phone');
    } finally {
      await other.close();
    }
  });

  it('passes the basics: contrast of the main text colours, large-text mode, Chinese', async () => {
    await page.goto(`${api.url}/?area=${area.id}`);
    await page.waitForSelector('.day.open');
    const all = await contrasts(page, 'h1, h2, h3, p, label, button, .day .left, .muted, a, span');
    expect(all.length).toBeGreaterThan(40); // the calendar, products, header and bar were measured
    expect(all.filter((c) => c.ratio < 4.5)).toEqual([]); // WCAG AA for body text
    await page.getByRole('button', { name: 'Large text' }).click();
    // The root's class is toggled in an effect after the render, so the size is polled.
    await expect.poll(() => cssOf(page, 'html', 'font-size')).toBe('23px');
    const lowLarge = (
      await contrasts(page, 'h1, h2, h3, p, label, button:not(:disabled), .muted, a, span')
    ).filter((c) => c.ratio < 7);
    expect(lowLarge).toEqual([]); // large-text mode: WCAG AAA (7:1)
    await page.getByRole('button', { name: '中文' }).click();
    await expect.poll(() => page.textContent('main')).toContain('选择日期和门票');
    await shot(page, '7-large-text-zh');
    expect(await unlabelled(page)).toEqual([]);
  });
  it('shows the presale waiting room with the place in line, then lets the buyer in', async () => {
    const opensAt = new Date(Date.now() + 2_000).toISOString();
    const cfg = await api.call('PUT', '/v1/admin/areas/web-test/waiting-room', {
      key: api.adminKey,
      body: { opensAt, ratePerSecond: 1, burst: 0 },
    });
    expect(cfg.status, JSON.stringify(cfg.body)).toBe(200);
    for (let i = 0; i < 3; i++) {
      const j = await api.call('POST', '/v1/queue/web-test/join', { body: { deviceId: `other-buyer-${i}` } });
      expect(j.status).toBe(429);
    }
    const p = await ctx.newPage();
    await p.addInitScript(`localStorage.setItem('scenic.prefs.v1', '{"lang":"en","large":false}')`);
    await p.goto(`${api.url}/?area=${area.id}`);
    await p.waitForSelector('[data-testid="queue"]');
    expect(await p.textContent('[data-testid="queue"]')).toMatch(/[1-3] people ahead of you/);
    expect(await p.textContent('[data-testid="queue"]')).toMatch(/About \d+ s to wait/);
    await shot(p, '6-waiting-room');
    // admitted as the frontier advances: the calendar replaces the queue, no reload, no error page
    await p.waitForSelector('[data-testid="step1"]', { timeout: 30_000 });
    expect(await p.locator('[data-testid="queue"]').count()).toBe(0);
    expect(await p.locator('.notice.error').count()).toBe(0);
    await p.close();
  });
});
