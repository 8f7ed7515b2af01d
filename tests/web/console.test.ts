import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { residentId, useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { ManualClock } from '../../core/clock.js';
import { base32Decode, hotp, totpStep } from '../../core/auth/totp.js';
import { localTime } from '../../core/time.js';
import { ROOT, inPage, launchChromium, phone, unlabelled } from './browser.js';

/**
 * The back-office console (/admin) in Chromium, signed in as an area manager with a
 * second factor. Every test checks what the page shows and what the server then holds.
 */
const clock = new ManualClock(new Date());
const api = useApi({ clock, app: { rateLimits: false } });
const AREA = 'con-a';
const PASSWORD = 'correct horse battery staple';
const PHONE = '13912345678';
const today = () => localTime(clock.now(), 'Asia/Shanghai').date;
let secret = '';
let accountId = '';
let browser: Browser;
let desk: BrowserContext;
let page: Page;
let seq = 700;

/** Screenshots go to docs/images/ with UPDATE_SCREENSHOTS=1, else to a temp dir. */
async function shot(p: Page, name: string, fullPage = false): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/images') : join(tmpdir(), 'scenic-screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `console-${name}.png`), await p.screenshot({ animations: 'disabled', fullPage }));
}

/** A TOTP code of the next 30 s step: a code works once, so each sign-in moves the clock on. */
function nextCode(): string {
  clock.advance(31_000);
  return hotp(base32Decode(secret), totpStep(clock.now()));
}

async function signIn(p: Page): Promise<void> {
  // localhost: a secure context over plain HTTP, so the __Host- (Secure) cookie is kept
  await p.goto(`${api.url.replace('127.0.0.1', 'localhost')}/admin`);
  await p.fill('#login', 'con-manager');
  await p.fill('#password', PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForSelector('#totp');
  await p.fill('#totp', nextCode());
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForSelector('[data-testid="who"]');
}

const tab = async (p: Page, name: string) => {
  await p.getByRole('link', { name, exact: true }).click();
  await p.waitForSelector('main h2');
};

async function paidOrder(contactPhone?: string) {
  const o = await api.call('POST', '/v1/orders', {
    headers: { 'idempotency-key': randomUUID() },
    body: {
      areaId: AREA,
      date: today(),
      slotId: 'day',
      items: [
        { productId: 'con-adult', visitors: [{ name: '李四', idNumber: residentId('19880202', seq++) }] },
      ],
      ...(contactPhone ? { contactPhone } : {}),
    },
  });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  const id = o.body.id as string;
  const token = o.body.accessToken as string;
  expect(
    (await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } })).status,
  ).toBe(201);
  expect((await api.pay(id)).at(-1)?.status).toBe(204);
  return id;
}

/** argon2 makes a sign-in take a moment: polls wait longer than vitest's default second */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

const admin = (method: string, path: string, body?: unknown) =>
  api.call(method, path, { key: api.adminKey, ...(body ? { body } : {}) });

beforeAll(async () => {
  await api.seed(
    demoArea({
      id: AREA,
      slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }],
      products: [{ ...demoArea().products[0]!, id: 'con-adult' }],
      priceRules: [],
    }),
  );
  // an area manager (a role with a second factor), enrolled and with TOTP set up
  const made = await admin('POST', '/v1/admin/accounts', {
    username: 'con-manager',
    displayName: 'Wang Manager',
    role: 'area-manager',
    areas: [AREA],
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  accountId = (made.body.account as { id: string }).id;
  const token = (made.body.enrolment as { token: string }).token;
  expect((await api.call('POST', '/v1/staff/enrol', { body: { token, password: PASSWORD } })).status).toBe(
    200,
  );
  const s = await api.call('POST', '/v1/staff/sign-in', {
    body: { login: 'con-manager', password: PASSWORD },
  });
  const bearer = s.body.token as string;
  secret = (await api.call('POST', '/v1/staff/totp', { key: bearer })).body.secret as string;
  const code = hotp(base32Decode(secret), totpStep(clock.now()));
  expect((await api.call('POST', '/v1/staff/totp/confirm', { key: bearer, body: { code } })).status).toBe(
    200,
  );
  await api.call('POST', '/v1/staff/sign-out', { key: bearer });
  browser = await launchChromium();
  desk = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  page = await desk.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('16 the console at /admin', () => {
  it('signs in with a password and then a second factor, shows who is signed in, signs out', async () => {
    await page.goto(`${api.url.replace('127.0.0.1', 'localhost')}/admin`);
    expect(await unlabelled(page)).toEqual([]);
    await page.fill('#login', 'con-manager');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // the password alone is not enough for this role: the code is asked for
    await page.waitForSelector('#totp');
    await page.fill('#totp', '000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.textContent('main')).toContain('Wrong or already used code');
    await page.fill('#totp', nextCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.textContent('[data-testid="who"]')).toBe('Wang Manager (area-manager)');
    await shot(page, 'desktop-sign-in');
    // the server holds a live session for the account, second factor passed
    const sessions = await admin('GET', `/v1/admin/accounts/${accountId}/sessions`);
    const live = sessions.body.items as { secondFactor?: boolean; userAgent?: string | null }[];
    expect(live.some((x) => /Chrome/.test(x.userAgent ?? ''))).toBe(true);
    // signed out: the session ends on the server, the page asks to sign in again
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('#login');
    const after = (await admin('GET', `/v1/admin/accounts/${accountId}/sessions`)).body.items as unknown[];
    expect(after.length).toBe(live.length - 1);
    await page.reload();
    await page.waitForSelector('#login');
    await signIn(page);
  });

  it('creates a product (refusing a bad id next to its field) and retires it', async () => {
    await tab(page, 'Products');
    await page.waitForSelector('[data-product="con-adult"]');
    await page.fill('#p-id', 'Bad Id');
    await page.fill('#p-name', 'Night walk');
    await page.fill('#p-price', '45');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await poll(() => page.textContent('#p-id-msg')).toContain('lowercase');
    expect(await page.getAttribute('#p-id', 'aria-invalid')).toBe('true');
    await page.fill('#p-id', 'night-walk');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForSelector('[data-product="night-walk"][data-active="true"]');
    const sold = async () =>
      (
        (await api.call('GET', `/v1/areas/${AREA}`)).body.products as { id: string; basePrice: number }[]
      ).find((p) => p.id === 'night-walk');
    expect((await sold())?.basePrice).toBe(4500);
    await shot(page, 'desktop-products');
    await page.getByRole('button', { name: 'Retire night-walk' }).click();
    await page.waitForSelector('[data-product="night-walk"][data-active="false"]');
    // retired: no longer on sale, still listed, and audited
    await poll(sold).toBeUndefined();
    const row = await api.platform.db('products').where({ area_id: AREA, id: 'night-walk' }).first();
    expect(row?.active).toBe(false);
    const trail = await api.platform
      .db('audit_log')
      .where({ subject: `${AREA}/night-walk` })
      .pluck('action');
    expect(trail.sort()).toEqual(['scenic.product.created', 'scenic.product.retired']);
  });

  it('pauses and resumes a channel with one tap at a phone-sized viewport', async () => {
    const ctx = await phone(browser);
    const p = await ctx.newPage();
    await signIn(p);
    await tab(p, 'Channels');
    await p.waitForSelector('[data-channel="web"][data-paused="false"]');
    const state = async () =>
      (
        (await admin('GET', `/v1/admin/areas/${AREA}/channel-states?date=${today()}`)).body.channels as {
          channelId: string;
          pausedByHand: boolean;
        }[]
      ).find((c) => c.channelId === 'web')?.pausedByHand;
    // a reason first
    await p.getByRole('button', { name: 'Pause Website / H5' }).click();
    await poll(() => p.textContent('main')).toContain('Give a reason first');
    expect(await state()).toBe(false);
    await p.fill('#c-reason', 'landslide on the west path');
    await p.getByRole('button', { name: 'Pause Website / H5' }).click();
    await p.waitForSelector('[data-channel="web"][data-paused="true"]');
    expect(await state()).toBe(true);
    // nothing sticks out of a 390 px screen, and the button is a full-size target
    expect(await inPage<number>(p, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const box = await p.getByRole('button', { name: 'Resume Website / H5' }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await shot(p, 'phone-channels');
    const refused = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date: today(),
        slotId: 'day',
        items: [
          { productId: 'con-adult', visitors: [{ name: '李四', idNumber: residentId('19880202', seq++) }] },
        ],
      },
    });
    expect(refused.status).not.toBe(201);
    await p.getByRole('button', { name: 'Resume Website / H5' }).click();
    await p.waitForSelector('[data-channel="web"][data-paused="false"]');
    expect(await state()).toBe(false);
    const trail = await api.platform
      .db('audit_log')
      .where({ subject: `${AREA}/web` })
      .pluck('action');
    expect(trail).toEqual(['scenic.channel.paused', 'scenic.channel.resumed']);
    await ctx.close();
  });

  it('finds an order by phone (masked) and refunds it with a reason', async () => {
    const id = await paidOrder(PHONE);
    await tab(page, 'Customer service');
    await page.selectOption('#s-by', 'phone');
    await page.fill('#s-q', PHONE);
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`[data-order="${id}"]`);
    await row.waitFor();
    // masked: the full number is not on the page
    expect(await page.textContent('main')).not.toContain(PHONE);
    await row.getByRole('button', { name: 'Refund' }).click();
    await page.selectOption(`#r-reason-${id.slice(0, 8)}`, 'weather');
    await page.fill(`#r-note-${id.slice(0, 8)}`, 'visitor called: storm warning');
    await shot(page, 'desktop-service');
    await row.getByRole('button', { name: /^Refund ¥/ }).click();
    await poll(() => page.textContent('main')).toContain('Refunded ¥');
    const o = await admin('GET', `/v1/cs/orders/${id}`);
    expect(o.body.amountRefunded).toBe(o.body.amountTotal);
    const refund = await api.platform.db('refunds').where({ order_id: id }).first();
    expect(refund).toMatchObject({
      amount: o.body.amountTotal,
      reason_code: 'weather',
      actor: 'staff:user:con-manager',
    });
  });

  it('resolves a double-entry flag with a note', async () => {
    const id = await paidOrder();
    const ticket = await api.platform.db('tickets').where({ order_id: id }).first('id');
    const now = clock.now();
    const [flag] = await api.platform
      .db('checkin_flags')
      .insert({
        ticket_id: ticket!.id,
        kind: 'double_entry',
        area_id: AREA,
        entries_allowed: 1,
        entries_seen: 2,
        scan_ids: [randomUUID(), randomUUID()],
        gate_ids: ['east-1', 'west-2'],
        status: 'open',
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    await tab(page, 'Entry flags');
    const item = page.locator(`[data-flag="${flag!.id}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('entered 2 of 1 times');
    await page.fill(`#f-note-${flag!.id}`, 'same family, one child re-scanned');
    await shot(page, 'desktop-flags');
    await item.getByRole('button', { name: 'Resolve' }).click();
    await page.waitForSelector(`[data-flag="${flag!.id}"][data-status="resolved"]`);
    const row = await api.platform.db('checkin_flags').where({ id: flag!.id }).first();
    expect(row).toMatchObject({ status: 'resolved', resolved_by: 'staff:user:con-manager' });
    const audit = await api.platform
      .db('audit_log')
      .where({ subject: `checkin_flag:${flag!.id}`, action: 'scenic.checkin.flag_resolved' })
      .first();
    expect(audit?.data).toMatchObject({ note: 'same family, one child re-scanned' });
    expect(audit?.after).toMatchObject({ status: 'resolved' });
  });

  it('draws sales per day by channel as an SVG chart and exports them as CSV', async () => {
    await paidOrder();
    const report = (await admin('GET', `/v1/admin/reports/${AREA}/${today()}.json`)).body as {
      channels: { channel: string; amount: number }[];
    };
    const web = report.channels.find((c) => c.channel === 'web')!;
    expect(web.amount).toBeGreaterThan(0);
    await tab(page, 'Reports');
    const bar = page.locator(
      `[data-testid="sales-chart"] g[data-date="${today()}"] rect[data-channel="web"]`,
    );
    await bar.waitFor();
    expect(Number(await bar.getAttribute('data-amount'))).toBe(web.amount);
    expect(Number(await bar.getAttribute('height'))).toBeGreaterThan(0);
    await shot(page, 'desktop-reports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toBe('date,channel,amount_yuan');
    expect(csv).toContain(`${today()},web,${(web.amount / 100).toFixed(2)}`);
    expect(csv.length - 1).toBe(report.channels.length);
  });

  it('16 reaches every tab at a phone-sized viewport (none runs off the edge), every screen inside 390 px', async () => {
    const ctx = await phone(browser);
    const p = await ctx.newPage();
    await signIn(p);
    const names = await p.locator('header nav a').allTextContents();
    expect(names).toEqual([
      'Today',
      'Products',
      'Passes & combos',
      'Channels',
      'Customer service',
      'Entry flags',
      'Reports',
      'Staff',
      'Device keys',
    ]);
    // each tab is inside the screen, or in a bar that scrolls sideways AND says so (data-more): a bar that
    // scrolls silently is the defect (#16) — the cut fell cleanly after "Customer service"
    const placement = await inPage<{ name: string; right: number; scrolls: boolean; cue: boolean }[]>(
      p,
      `Array.from(document.querySelectorAll('header nav a')).map((a) => {
        const bar = a.closest('nav');
        const st = getComputedStyle(bar);
        const scrolls = /auto|scroll/.test(st.overflowX) && bar.scrollWidth > bar.clientWidth;
        return { name: a.textContent, right: a.getBoundingClientRect().right, scrolls, cue: bar.dataset.more === 'true' };
      })`,
    );
    await shot(p, 'phone-tabs');
    for (const t of placement)
      expect(t.right <= 390 || (t.scrolls && t.cue), `${t.name} at ${t.right} px`).toBe(true);
    for (const name of names) {
      await p.getByRole('link', { name, exact: true }).click();
      await p.waitForSelector('main h2');
      const box = (await p.getByRole('link', { name, exact: true }).boundingBox())!;
      expect(box.x, name).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, name).toBeLessThanOrEqual(390);
      await p.waitForLoadState('networkidle');
      expect(await inPage<number>(p, 'document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(390);
      await shot(p, `phone-${name.toLowerCase().replace(/ /g, '-')}`, true);
    }
    await ctx.close();
  });

  it('creates a kiosk key shown once, and revokes it', async () => {
    await tab(page, 'Device keys');
    await page.fill('#d-name', 'Kiosk by the north gate');
    await page.selectOption('#d-kind', 'kiosk');
    await page.getByRole('button', { name: 'Create' }).click();
    const key = (await page.locator('[data-testid="new-key"]').textContent())!;
    expect(key).toMatch(/^sk_/);
    await shot(page, 'desktop-devices');
    // the key works as the kiosk it was made for
    const me = await api.call('GET', '/v1/staff/me', { key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'kiosk', areas: [AREA] });
    const listed = (await admin('GET', `/v1/admin/device-keys?areaId=${AREA}`)).body.items as {
      id: string;
      name: string;
      kind: string;
      status: string;
    }[];
    const made = listed.find((k) => k.name === 'Kiosk by the north gate')!;
    expect(made).toMatchObject({ kind: 'kiosk', status: 'active' });
    // shown once: a reload does not show it again
    await page.reload();
    await page.waitForSelector(`[data-key="${made.id}"]`);
    expect(await page.locator('[data-testid="new-key"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke Kiosk by the north gate' }).click();
    await page.waitForSelector(`[data-key="${made.id}"][data-status="revoked"]`);
    expect((await api.call('GET', '/v1/staff/me', { key })).status).toBe(401);
  });

  it('16 creates a staff account whose one-time link sets a password and an authenticator, then disables it', async () => {
    await tab(page, 'Staff');
    await page.fill('#a-username', 'con-finance');
    await page.fill('#a-name', 'Zhao Finance');
    await page.selectOption('#a-role', 'finance');
    await page.getByRole('button', { name: 'Create' }).click();
    const link = (await page.locator('[data-testid="enrolment-link"]').textContent())!;
    expect(link).toMatch(/\/admin\?enrol=/);
    await page.waitForSelector('[data-account="con-finance"][data-status="pending"]');
    await shot(page, 'desktop-staff');
    const made = await api.platform.db('staff_accounts').where({ username: 'con-finance' }).first();
    expect(made).toMatchObject({ role: 'finance', status: 'pending', password_hash: null });
    expect(made?.areas).toEqual([AREA]);
    // the person opens the link on a phone: a password too short is refused next to its field
    const ctx = await phone(browser);
    const p = await ctx.newPage();
    await p.goto(link.replace('127.0.0.1', 'localhost'));
    expect(await unlabelled(p)).toEqual([]);
    await p.fill('#new-password', 'short');
    await p.fill('#new-password-again', 'short');
    await p.getByRole('button', { name: 'Set password' }).click();
    await poll(() => p.textContent('#new-password-msg')).toContain('at least');
    const FIN = 'ledger lines balance nightly';
    await p.fill('#new-password', FIN);
    await p.fill('#new-password-again', FIN);
    await p.getByRole('button', { name: 'Set password' }).click();
    await poll(() => p.textContent('main')).toContain('Your password is set');
    expect(p.url()).not.toContain('enrol='); // the spent token leaves the address bar
    await p.fill('#login', 'con-finance');
    await p.fill('#password', FIN);
    await p.getByRole('button', { name: 'Sign in' }).click();
    // finance needs a second factor: the console sets it up before anything else
    const secretText = p.locator('[data-testid="totp-secret"]');
    await secretText.waitFor();
    expect(await p.locator('header nav a').count()).toBe(0);
    await shot(p, 'phone-totp-setup');
    const finSecret = (await secretText.textContent())!.trim();
    await p.fill('#totp-code', hotp(base32Decode(finSecret), totpStep(clock.now())));
    await p.getByRole('button', { name: 'Confirm' }).click();
    await poll(() => p.textContent('[data-testid="who"]')).toBe('Zhao Finance (finance)');
    await poll(() => p.locator('header nav a').allTextContents()).toContain('Reports');
    const enrolled = await api.platform.db('staff_accounts').where({ username: 'con-finance' }).first();
    expect(enrolled?.status).toBe('active');
    expect(enrolled?.totp_enabled_at).not.toBeNull();
    // the manager disables the account: its session ends at once
    await page.reload();
    await page.getByRole('button', { name: 'Disable con-finance' }).click();
    await page.waitForSelector('[data-account="con-finance"][data-status="disabled"]');
    await p.reload();
    await p.waitForSelector('#login');
    const trail = await api.platform
      .db('audit_log')
      .where({ subject: `account:${made!.id}` })
      .pluck('action');
    expect(trail).toEqual(
      expect.arrayContaining(['scenic.account.created', 'scenic.account.second_factor_enrolled']),
    );
    await ctx.close();
  });

  it('16 a role without a second factor goes straight in after enrolling its password', async () => {
    await tab(page, 'Staff');
    await page.fill('#a-username', 'con-desk');
    await page.fill('#a-name', 'Li Desk');
    await page.selectOption('#a-role', 'customer-service');
    await page.getByRole('button', { name: 'Create' }).click();
    const link = (await page.locator('[data-testid="enrolment-link"]').textContent())!;
    const ctx = await browser.newContext({ locale: 'en-US' });
    const p = await ctx.newPage();
    await p.goto(link.replace('127.0.0.1', 'localhost'));
    const PW = 'kind words on the phone line';
    await p.fill('#new-password', PW);
    await p.fill('#new-password-again', PW);
    await p.getByRole('button', { name: 'Set password' }).click();
    await poll(() => p.textContent('main')).toContain('Your password is set');
    await p.fill('#login', 'con-desk');
    await p.fill('#password', PW);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => p.textContent('[data-testid="who"]')).toBe('Li Desk (customer-service)');
    expect(await p.locator('[data-testid="totp-secret"]').count()).toBe(0);
    await poll(() => p.locator('header nav a').allTextContents()).toContain('Customer service');
    await ctx.close();
  });

  it("16 Today shows the day's level, sold and left per slot, which channels sell and who owns the limits", async () => {
    await paidOrder();
    await tab(page, 'Today');
    const snap = (await admin('GET', `/v1/admin/areas/${AREA}/days/${today()}`)).body as {
      capacity: number;
      used: number;
      level: string;
      slots: Record<string, { capacity: number; used: number }>;
    };
    expect(snap.used).toBeGreaterThanOrEqual(1);
    await poll(() => page.textContent('[data-testid="day-sold"]')).toBe(
      `Sold ${snap.used} of ${snap.capacity}`,
    );
    expect(await page.getAttribute('[data-testid="day"]', 'data-level')).toBe(snap.level);
    const cells = await page.locator('[data-slot="day"] td').allTextContents();
    expect(cells).toEqual(
      [snap.slots.day!.capacity, snap.slots.day!.used, snap.slots.day!.capacity - snap.slots.day!.used].map(
        String,
      ),
    );
    await page.waitForSelector('[data-testid="today-channels"] [data-channel="web"][data-selling="true"]');
    // seeded through the admin API, not a ScenicArea: the page says where the limits are set
    expect(await page.textContent('[data-testid="owner"]')).toContain('admin API');
    await shot(page, 'desktop-today');
  });
});
