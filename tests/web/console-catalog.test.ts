import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { residentId, useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { ManualClock } from '../../core/clock.js';
import { base32Decode, hotp, totpStep } from '../../core/auth/totp.js';
import { localTime } from '../../core/time.js';
import { jointArea } from '../joint/support.js';
import { ROOT, inPage, launchChromium, phone, unlabelled } from './browser.js';

/**
 * Issue 18 in the console (/admin), in Chromium: a manager of every area creates an
 * annual-pass product and a combo product, sets the pass's terms, declares the combo's
 * bus with its departures, and defines a joint ticket over two areas. Each form's
 * refused field is named under it by the server; then each product sells through the
 * public API at the price and with the terms the console set.
 */
const clock = new ManualClock(new Date());
const api = useApi({ clock, app: { rateLimits: false }, env: { SCENIC_ANON_HELD_UNITS: '1000' } });
const AREA = 'cat-a';
const PASSWORD = 'correct horse battery staple';
const today = () => localTime(clock.now(), 'Asia/Shanghai').date;
let secret = '';
let browser: Browser;
let page: Page;
let person = 800;
let passOrder: Record<string, unknown> = {};
const visitor = () => ({ name: '周九', idNumber: residentId('19870707', person++) });

async function shot(p: Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/images') : join(tmpdir(), 'scenic-screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `console-${name}.png`), await p.screenshot({ animations: 'disabled' }));
}
const nextCode = () => {
  clock.advance(31_000);
  return hotp(base32Decode(secret), totpStep(clock.now()));
};
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
const admin = (method: string, path: string, body?: unknown) =>
  api.call(method, path, { key: api.adminKey, ...(body ? { body } : {}) });

/** Places an order through the public API (`path`: orders or joint orders), pays it, waits for it to be issued. */
async function sell(path: string, body: Record<string, unknown>) {
  const o = await api.call('POST', path, { headers: { 'idempotency-key': randomUUID() }, body });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  const id = o.body.id as string;
  const token = o.body.accessToken as string;
  const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
  expect(pay.status, JSON.stringify(pay.body)).toBe(201);
  await api.pay(id);
  await poll(
    async () =>
      (await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } })).body.status,
  ).toBe('issued');
  return (await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } })).body;
}

beforeAll(async () => {
  await api.seed(
    demoArea({
      id: AREA,
      name: 'Cat Lake',
      slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }],
      products: [{ ...demoArea().products[0]!, id: 'cat-adult' }],
      quotas: [],
      priceRules: [],
      coupons: [],
    }),
  );
  await api.seed(jointArea('cat-b'));
  // a manager of every area (joint tickets span areas), with a password and TOTP set up
  const made = await admin('POST', '/v1/admin/accounts', {
    username: 'cat-manager',
    displayName: 'Li Catalog',
    role: 'area-manager',
    areas: '*',
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const token = (made.body.enrolment as { token: string }).token;
  expect((await api.call('POST', '/v1/staff/enrol', { body: { token, password: PASSWORD } })).status).toBe(
    200,
  );
  const s = await api.call('POST', '/v1/staff/sign-in', {
    body: { login: 'cat-manager', password: PASSWORD },
  });
  const bearer = s.body.token as string;
  secret = (await api.call('POST', '/v1/staff/totp', { key: bearer })).body.secret as string;
  const code = hotp(base32Decode(secret), totpStep(clock.now()));
  expect((await api.call('POST', '/v1/staff/totp/confirm', { key: bearer, body: { code } })).status).toBe(
    200,
  );
  await api.call('POST', '/v1/staff/sign-out', { key: bearer });
  browser = await launchChromium();
  page = await (await phone(browser)).newPage();
  await page.goto(`${api.url.replace('127.0.0.1', 'localhost')}/admin?area=${AREA}`);
  await page.fill('#login', 'cat-manager');
  await page.fill('#password', PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('#totp');
  await page.fill('#totp', nextCode());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('[data-testid="who"]');
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Nothing wider than the phone. */
const fitsPhone = async (p: Page) =>
  expect(await inPage<number>(p, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

describe('18 the console configures passes, combos and joint tickets, which then sell', () => {
  it('creates a pass product and a combo product under Products', async () => {
    await page.getByRole('link', { name: 'Products', exact: true }).click();
    await page.waitForSelector('[data-product="cat-adult"]');
    for (const [id, name, kind, price] of [
      ['cat-year', 'Lake pass', 'annual_pass', '300'],
      ['cat-trio', 'Entry + boat', 'combo', '250'],
    ] as const) {
      await page.fill('#p-id', id);
      await page.fill('#p-name', name);
      await page.selectOption('#p-kind', kind);
      await page.fill('#p-price', price);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.waitForSelector(`[data-product="${id}"][data-active="true"]`);
    }
  });

  it('sets the pass terms: a refused field is named under it; then the pass sells with them', async () => {
    await page.getByRole('link', { name: 'Passes & combos', exact: true }).click();
    await page.waitForSelector('#pt-validity');
    await page.fill('#pt-validity', '400'); // over a year: refused by the server
    await page.getByRole('button', { name: 'Save pass terms' }).click();
    await poll(() => page.textContent('#pt-validity-msg')).not.toBe('');
    expect(await page.getAttribute('#pt-validity', 'aria-invalid')).toBe('true');
    await page.locator('#pt-validity').scrollIntoViewIfNeeded();
    await fitsPhone(page);
    await shot(page, 'phone-pass-refused');
    await page.fill('#pt-blackout', 'not-a-date');
    await page.fill('#pt-validity', '180');
    await page.getByRole('button', { name: 'Save pass terms' }).click();
    await poll(() => page.textContent('#pt-blackout-msg')).not.toBe('');
    expect(await page.textContent('#pt-validity-msg')).toBe('');
    const blackout = `${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}`;
    await page.fill('#pt-blackout', blackout);
    await page.selectOption('#pt-entry', 'unlimited');
    await page.fill('#pt-weekdays', '0, 6');
    await page.locator('label.check', { hasText: 'Priority lane' }).click();
    expect(await unlabelled(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save pass terms' }).click();
    await poll(() => page.textContent('[data-testid="pass-terms"]')).toContain(
      'Saved the pass terms of cat-year',
    );
    await fitsPhone(page);
    await shot(page, 'phone-pass-terms');

    const sale = await api.call('GET', `/v1/areas/${AREA}/passes`);
    const item = (
      sale.body.items as { productId: string; price: number; terms: Record<string, unknown> }[]
    ).find((x) => x.productId === 'cat-year')!;
    expect(item.price).toBe(30_000);
    expect(item.terms).toMatchObject({
      validityDays: 180,
      entryRule: 'unlimited',
      blackoutDates: [blackout],
      busy: { weekdays: [0, 6] },
      priorityLane: true,
    });
    const o = await sell('/v1/orders', {
      areaId: AREA,
      date: today(),
      slotId: 'day',
      items: [{ productId: 'cat-year', visitors: [visitor()] }],
    });
    expect(o.amountTotal).toBe(30_000);
    passOrder = o;
  });

  it('binds an NFC card to the pass at the customer-service desk; a bad UID is named under its field', async () => {
    const id = passOrder.id as string;
    const ticketId = (passOrder.tickets as { id: string }[])[0]!.id;
    await page.getByRole('link', { name: 'Customer service', exact: true }).click();
    await page.selectOption('#s-by', 'orderId');
    await page.fill('#s-q', id);
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`[data-order="${id}"]`);
    await row.getByRole('button', { name: 'NFC card' }).click();
    const field = `#card-${ticketId.slice(0, 8)}`;
    await page.fill(field, 'zz12');
    await row.getByRole('button', { name: 'Bind', exact: true }).click();
    await poll(() => page.textContent(`${field}-msg`)).not.toBe('');
    expect(await page.getAttribute(field, 'aria-invalid')).toBe('true');
    await page.fill(field, '04:A1:B2:C3:D4:E5:F6');
    expect(await unlabelled(page)).toEqual([]);
    await row.getByRole('button', { name: 'Bind', exact: true }).click();
    await poll(() => row.textContent()).toContain('Bound to ••••');
    await fitsPhone(page);
    await shot(page, 'phone-card-bind');
    const t = await api.platform.db('tickets').where({ id: ticketId }).first('card_uid');
    expect(t?.card_uid).toBeTruthy();
    await page.getByRole('link', { name: 'Passes & combos', exact: true }).click();
    await page.waitForSelector('[data-testid="combo-components"]');
  });

  it('declares a combo component with its departures; a bad time is named under its field; then the combo sells', async () => {
    const panel = page.locator('[data-testid="combo-components"]');
    await panel.scrollIntoViewIfNeeded();
    await page.fill('#cc-id', 'boat');
    await page.fill('#cc-name', 'Lake boat');
    await page.selectOption('#cc-kind', 'bus');
    await panel.locator('label.check', { hasText: 'cat-trio' }).click();
    await page.fill('#cc-value', '60');
    await page.fill('#cc-s0-id', 'b10');
    await page.fill('#cc-s0-at', '25:00');
    await page.fill('#cc-s0-cap', '20');
    await page.getByRole('button', { name: 'Add a session' }).click();
    await page.fill('#cc-s1-id', 'b15');
    await page.fill('#cc-s1-at', '15:00');
    await page.fill('#cc-s1-cap', '20');
    await page.getByRole('button', { name: 'Save the component' }).click();
    await poll(() => page.textContent('#cc-s0-at-msg')).toContain('HH:MM');
    expect(await page.textContent('#cc-s1-at-msg')).toBe('');
    await page.locator('#cc-s0-id').scrollIntoViewIfNeeded();
    await fitsPhone(page);
    await shot(page, 'phone-combo-refused');
    await page.fill('#cc-s0-at', '10:00');
    expect(await unlabelled(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save the component' }).click();
    await page.waitForSelector('[data-component="boat"]');
    expect(await page.textContent('[data-component="boat"]')).toContain('10:00 (20) 15:00 (20)');
    await page.locator('[data-component="boat"]').scrollIntoViewIfNeeded();
    await fitsPhone(page);
    await shot(page, 'phone-combo-components');

    const o = await sell('/v1/orders', {
      areaId: AREA,
      date: today(),
      slotId: 'day',
      items: [{ productId: 'cat-trio', visitors: [visitor()] }],
      sessions: { boat: 'b15' },
    });
    expect(o.amountTotal).toBe(25_000);
    const a = await api.call('GET', `/v1/areas/${AREA}/combo-availability?date=${today()}`);
    const boat = (a.body.components as { id: string; sessions: { id: string; left: number }[] }[]).find(
      (c) => c.id === 'boat',
    )!;
    expect(Object.fromEntries(boat.sessions.map((s) => [s.id, s.left]))).toEqual({ b10: 20, b15: 19 });
  });

  it('defines a joint ticket over two areas; an unknown slot is named under its leg; then it sells at both', async () => {
    const panel = page.locator('[data-testid="joint-products"]');
    await panel.scrollIntoViewIfNeeded();
    await page.fill('#jp-id', 'lakes');
    await page.fill('#jp-name', 'Two lakes');
    await page.fill('#jp-price', '150');
    await page.fill('#jp-a0-area', AREA);
    await page.fill('#jp-a0-slot', 'nope');
    await page.fill('#jp-a0-share', '60');
    await page.getByRole('button', { name: 'Add an area' }).click();
    await page.fill('#jp-a1-area', 'cat-b');
    await page.fill('#jp-a1-slot', 'day');
    await page.fill('#jp-a1-share', '40');
    expect(await page.textContent('[data-testid="jp-sum"]')).toContain('100%');
    await page.getByRole('button', { name: 'Save the joint ticket' }).click();
    await poll(() => page.textContent('#jp-a0-slot-msg')).toContain('no slot nope');
    expect(await page.textContent('#jp-a1-slot-msg')).toBe('');
    await page.locator('#jp-price').scrollIntoViewIfNeeded();
    await fitsPhone(page);
    await shot(page, 'phone-joint-refused');
    await page.fill('#jp-a0-slot', 'day');
    await page.fill('#jp-a1-share', '30'); // 90 %: the server refuses the shares
    await page.getByRole('button', { name: 'Save the joint ticket' }).click();
    await poll(() => page.textContent('#jp-areas-msg')).toContain('not 10000');
    await page.fill('#jp-a1-share', '40');
    expect(await unlabelled(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save the joint ticket' }).click();
    await page.waitForSelector('[data-joint="lakes"]');
    await page.locator('[data-joint="lakes"]').scrollIntoViewIfNeeded();
    await fitsPhone(page);
    await shot(page, 'phone-joint-products');

    const o = await sell('/v1/joint-orders', {
      jointProductId: 'lakes',
      date: today(),
      visitors: [visitor()],
    });
    expect(o.amountTotal).toBe(15_000);
    expect((o.tickets as { areaId: string }[]).map((t) => t.areaId).sort()).toEqual([AREA, 'cat-b']);
  });

  it('the server checks the grant: a manager of one area may not define a joint ticket', async () => {
    const one = await api.key('area-manager', undefined, { areas: [AREA] });
    const r = await api.call('PUT', '/v1/admin/joint-products/solo', {
      key: one,
      body: { name: 'Solo', price: 100, areas: [{ areaId: AREA, slotId: 'day', shareBps: 10_000 }] },
    });
    expect(r.status).toBe(403);
  });
});
