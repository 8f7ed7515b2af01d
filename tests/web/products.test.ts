import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { residentId, useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localTime } from '../../core/time.js';
import { jointArea } from '../joint/support.js';
import { inPage, launchChromium, phone, shot, unlabelled } from './browser.js';

/**
 * Issue 18 and 22 on the visitor page, in Chromium at phone size (390 × 844) against the
 * whole API: a visitor buys an annual pass, a combo with its bus departure, and a joint
 * ticket valid at two areas (a ticket per area), each paid at the fake gateway; the
 * calendar shows the forecast price of a day and its slots, which the order then charges;
 * a closed day and the member card fit the phone. Every screen is photographed and
 * checked for content running off the right edge.
 */
const TZ = 'Asia/Shanghai';
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const today = localTime(new Date(), TZ).date;
const D1 = addDays(today, 1); // the combo
const D2 = addDays(today, 2); // forecast prices pinned
const D3 = addDays(today, 3); // the joint ticket
const CLOSED = addDays(today, 5);
const AREA = 'wp';

const area = demoArea({
  id: AREA,
  name: 'West Peak',
  dailyCapacity: 100,
  slots: [
    { id: 'am', startsAt: '00:00', endsAt: '12:00', capacity: 50 },
    { id: 'pm', startsAt: '12:00', endsAt: '23:59', capacity: 50 },
  ],
  quotas: [],
  priceRules: [],
  coupons: [],
  closures: { weekdays: [], dates: [CLOSED] },
  products: [
    { ...demoArea().products[0]!, id: 'adult' },
    { id: 'year', name: 'Annual pass', kind: 'annual_pass', basePrice: 36_500 },
    { id: 'trio', name: 'Entry + bus + show', kind: 'combo', basePrice: 30_000 },
  ],
});

describe('visitor page: passes, combos, joint tickets, forecast prices (issue 18, 22)', () => {
  const api = useApi({ app: { rateLimits: false }, env: { SCENIC_ANON_HELD_UNITS: '1000' } });
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let person = 600;
  const idNo = () => residentId('19900307', person++);
  const admin = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { key: api.adminKey, ...(body ? { body } : {}) });

  /** Nothing wider than the phone: a cut-off or overflowing element widens the page. */
  const fitsPhone = async (p: Page) => {
    const wide = await inPage<string[]>(
      p,
      `Array.from(document.querySelectorAll('main *'))
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map((e) => e.tagName.toLowerCase() + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))`,
    );
    expect(wide).toEqual([]);
    expect(await inPage<number>(p, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  };
  /** The fake gateway's pay page, then back to the order, issued. */
  const payAtGateway = async (p: Page) => {
    await p.waitForURL(/\/pay\//);
    await p.getByRole('button', { name: 'Pay' }).click();
    await p.waitForURL(/\/orders\/[0-9a-f-]{36}/);
    await p.waitForSelector('[data-testid="ticket"] svg', { timeout: 20_000 });
    expect(await p.textContent('[data-testid="order-status"]')).toBe('Issued');
    return /\/orders\/([0-9a-f-]{36})/.exec(p.url())![1]!;
  };
  const orderRow = async (id: string) => (await api.platform.db('orders').where({ id }).first())!;

  beforeAll(async () => {
    await api.seed(area);
    await api.seed(jointArea('wq'));
    const bus = await admin('PUT', `/v1/admin/areas/${AREA}/combo-components/bus`, {
      name: 'Sightseeing bus',
      kind: 'bus',
      productIds: ['trio'],
      value: 8_000,
      sessions: [
        { id: 'b0900', startsAt: '09:00', capacity: 30 },
        { id: 'b1400', startsAt: '14:00', capacity: 30 },
      ],
    });
    expect(bus.status, JSON.stringify(bus.body)).toBe(200);
    const joint = await admin('PUT', '/v1/admin/joint-products/peaks', {
      name: 'Two peaks',
      price: 20_000,
      areas: [
        { areaId: AREA, slotId: 'am', shareBps: 6000 },
        { areaId: 'wq', slotId: 'day', shareBps: 4000 },
      ],
    });
    expect(joint.status, JSON.stringify(joint.body)).toBe(200);
    // forecast pricing on for adults, with the factors of D2 pinned: 1.5× in the morning, 1.25× after
    const bounds = await admin('PUT', `/v1/admin/areas/${AREA}/products/adult/dynamic-pricing`, {
      enabled: true,
      floor: 4_000,
      ceiling: 20_000,
    });
    expect(bounds.status, JSON.stringify(bounds.body)).toBe(200);
    for (const [slot, factorBps] of [
      ['am', 15_000],
      ['pm', 12_500],
    ] as const) {
      const pin = await admin('PUT', `/v1/admin/areas/${AREA}/price-factors/${D2}/${slot}`, {
        factorBps,
        reason: 'holiday crowd',
      });
      expect(pin.status, JSON.stringify(pin.body)).toBe(200);
    }
    browser = await launchChromium();
    ctx = await phone(browser);
    page = await ctx.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('22 the calendar shows the forecast price of a day and of each slot; the order charges it', async () => {
    await page.goto(`${api.url}/?area=${AREA}`);
    const cell = (d: string) => page.locator(`[data-date="${d}"]`);
    await expect.poll(() => cell(D2).locator('.price').textContent(), { timeout: 15_000 }).toBe('¥100');
    // a day without a pinned factor shows no forecast price
    await expect.poll(() => cell(D1).isEnabled()).toBe(true);
    expect(await cell(D1).locator('.price').count()).toBe(0);
    // the closed day says so, cannot be picked, and fits its cell
    await expect.poll(() => cell(CLOSED).textContent()).toContain('Closed');
    expect(await cell(CLOSED).isDisabled()).toBe(true);
    await fitsPhone(page);
    await shot(page, '13-calendar-prices-closed');
    // large-text mode (a two-column list): the price and "Closed" still fit
    await page.getByRole('button', { name: 'Large text' }).click();
    await expect.poll(() => cell(D2).locator('.price').textContent()).toBe('¥100');
    await fitsPhone(page);
    await cell(D2).scrollIntoViewIfNeeded();
    await shot(page, '13b-calendar-prices-large-text');
    await page.getByRole('button', { name: 'Large text' }).click();

    await cell(D2).click();
    await page.getByRole('button', { name: '+ Adult' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    const slot = (id: string) => page.locator('label.slot', { has: page.locator(`input[value="${id}"]`) });
    await expect.poll(() => slot('am').locator('[data-price]').getAttribute('data-price')).toBe('12000');
    expect(await slot('am').textContent()).toContain('¥120.00');
    expect(await slot('pm').textContent()).toContain('¥100.00');
    await slot('pm').click();
    await page.fill('#v1-name', '张三');
    await page.fill('#v1-id', idNo());
    await fitsPhone(page);
    await shot(page, '14-slot-prices');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForSelector('[data-testid="hold"]');
    await page.getByRole('button', { name: /^Pay/ }).click();
    const id = await payAtGateway(page);
    expect((await orderRow(id)).amount_total).toBe(10_000); // the price shown for the slot
  });

  it('18 buys an annual pass: its terms, the holder, the first slot, pay, the pass', async () => {
    await page.goto(`${api.url}/?area=${AREA}`);
    await page.getByRole('button', { name: 'Annual passes' }).click();
    const pass = page.locator('label.pass-product', { hasText: 'Annual pass' });
    expect(await pass.textContent()).toContain('valid 365 days');
    await pass.click();
    await page.fill('#v90-name', '王芳');
    await page.fill('#v90-id', idNo());
    await page.selectOption('#pass-slot', 'pm');
    expect(await unlabelled(page)).toEqual([]);
    await fitsPhone(page);
    await pass.scrollIntoViewIfNeeded();
    await inPage(page, 'window.scrollBy(0, -120)');
    await shot(page, '15-pass-sale');
    await page.getByRole('button', { name: 'Buy the pass' }).click();
    await page.getByRole('button', { name: 'Pay ¥365.00' }).click();
    const id = await payAtGateway(page);
    const o = await orderRow(id);
    expect(o.amount_total).toBe(36_500);
    const passes = await api.platform.db('passes').where({ order_id: id }).select('ticket_id');
    expect(passes).toHaveLength(1);
  });

  it('18 buys a combo, picking the bus departure; the seat is taken for that departure', async () => {
    await page.goto(`${api.url}/?area=${AREA}`);
    const cell = page.locator(`[data-date="${D1}"]`);
    await expect.poll(() => cell.isEnabled(), { timeout: 15_000 }).toBe(true);
    await cell.click();
    await page.getByRole('button', { name: '+ Entry + bus + show' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('label.slot', { hasText: '00:00–12:00' }).click();
    const picker = page.locator('[data-testid="combo-sessions"]');
    await picker.waitFor();
    await picker.locator('label', { hasText: '14:00' }).click();
    await page.fill('#v1-name', '赵六');
    await page.fill('#v1-id', idNo());
    expect(await unlabelled(page)).toEqual([]);
    await fitsPhone(page);
    await shot(page, '16-combo-sessions');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForSelector('[data-testid="hold"]');
    await page.getByRole('button', { name: /^Pay/ }).click();
    const id = await payAtGateway(page);
    expect((await orderRow(id)).amount_total).toBe(30_000);
    const a = await api.call('GET', `/v1/areas/${AREA}/combo-availability?date=${D1}`);
    const bus = (a.body.components as { id: string; sessions: { id: string; left: number }[] }[]).find(
      (c) => c.id === 'bus',
    )!;
    expect(Object.fromEntries(bus.sessions.map((s) => [s.id, s.left]))).toEqual({ b0900: 30, b1400: 29 });
  });

  it('18 buys a joint ticket: the areas it is valid at, the date, two visitors, pay, a ticket per area', async () => {
    await page.goto(`${api.url}/?area=${AREA}`);
    await page.getByRole('button', { name: 'Joint tickets (several areas)' }).click();
    const product = page.locator('label[data-joint="peaks"]');
    await expect
      .poll(() => product.locator('[data-testid="joint-areas"]').textContent())
      .toBe('West Peak · Area wq');
    await product.click();
    await page.fill('#joint-date', D3);
    await page.fill('#joint-count', '2');
    await page.fill('#v70-name', '钱七');
    await page.fill('#v70-id', idNo());
    await page.fill('#v71-name', '孙八');
    await page.fill('#v71-id', idNo());
    expect(await unlabelled(page)).toEqual([]);
    await fitsPhone(page);
    await product.scrollIntoViewIfNeeded();
    await inPage(page, 'window.scrollBy(0, -120)');
    await shot(page, '17-joint-sale');
    await page.getByRole('button', { name: /Place order · ¥400.00/ }).click();
    await page.getByRole('button', { name: 'Pay ¥400.00' }).click();
    const id = await payAtGateway(page);
    // two visitors × two areas, each ticket saying where it admits
    await expect.poll(() => page.locator('[data-testid="ticket"]').count()).toBe(4);
    const at = await page.locator('[data-testid="ticket"] .valid-at').allTextContents();
    expect(at.sort()).toEqual([
      'Admits once at Area wq',
      'Admits once at Area wq',
      'Admits once at West Peak',
      'Admits once at West Peak',
    ]);
    await fitsPhone(page);
    expect(await page.locator('[data-testid="ticket"]').first().textContent()).toContain('Two peaks');
    await page.locator('[data-testid="ticket"] .valid-at').first().scrollIntoViewIfNeeded();
    await inPage(page, 'window.scrollBy(0, 160)'); // above the sticky bar
    await shot(page, '18-joint-ticket');
    const tickets = await api.platform.db('tickets').where({ order_id: id }).select('area_id');
    expect(tickets.map((t) => t.area_id).sort()).toEqual(['wp', 'wp', 'wq', 'wq']);
    expect((await orderRow(id)).amount_total).toBe(40_000);
    for (const [a, d] of [
      [AREA, D3],
      ['wq', D3],
    ] as const)
      expect((await api.platform.inventory.snapshot(a, d)).used).toBe(2);
  });

  it('22 the member card fits the phone', async () => {
    const session = await api.signIn('13700137000');
    const p = await ctx.newPage();
    await p.addInitScript(
      `localStorage.setItem('scenic.session.v1', ${JSON.stringify(JSON.stringify(session))})`,
    );
    await p.goto(`${api.url}/orders?area=${AREA}`);
    await p.waitForSelector('[data-testid="member-card"]', { timeout: 15_000 });
    expect(await unlabelled(p)).toEqual([]);
    await fitsPhone(p);
    await shot(p, '19-member-card');
    await p.close();
  });
});
