import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { bootstrapAdmin } from '../../core/auth/bootstrap.js';
import { base32Decode, hotp, totpStep } from '../../core/auth/totp.js';
import { listAudit } from '../../core/audit/store.js';
import { localParts } from '../../core/time.js';
import { residentId, useApi } from '../support/platform.js';

/**
 * Issue 16 accounts, against Postgres and Redis: the first admin from the CLI (no default
 * password), enrolment, sign-in with lockout, the TOTP second factor, sessions (idle
 * expiry, revocation, a disabled account), area managers granting within their areas,
 * audited before/after, device keys rotated with an overlap and revoked, and the
 * customer-service search answering masked.
 */
const clock = new ManualClock(new Date());
const t = useApi({ clock });
/** one slot all day: a walk-up sale for today works at any hour the test runs */
const DAY = [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }];
const A = 'acc-a';
const B = 'acc-b';
const PASSWORD = 'correct horse battery staple';

const code = (secret: string, at = clock.now()) => hotp(base32Decode(secret), totpStep(at));
const bearer = (token: string) => token; // a session token is a Bearer credential like a key

async function signIn(login: string, password = PASSWORD, totp?: string) {
  return t.call('POST', '/v1/staff/sign-in', { body: { login, password, ...(totp ? { totp } : {}) } });
}

/** An account of `role` created by the admin key, enrolled with PASSWORD. */
async function account(username: string, role: string, areas: string[] | '*') {
  const made = await t.call('POST', '/v1/admin/accounts', {
    key: t.adminKey,
    body: { username, displayName: username, role, areas },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const token = (made.body.enrolment as { token: string }).token;
  expect((await t.call('POST', '/v1/staff/enrol', { body: { token, password: PASSWORD } })).status).toBe(200);
  return made.body.account as { id: string };
}

beforeAll(async () => {
  const product = (id: string) => ({ ...demoArea().products[0]!, id });
  await t.seed(demoArea({ id: A, slots: DAY, products: [product('acc-a-adult')] }));
  await t.seed(
    demoArea({
      id: B,
      slots: DAY,
      products: [product('acc-b-adult')],
      entrances: [{ id: 'acc-b-gate', name: 'B' }],
    }),
  );
});

describe('16 the first admin, from the CLI, with no default password', () => {
  it('creates one admin with a one-time enrolment token, then refuses a second; TOTP is required', async () => {
    const d = { db: t.platform.db, clock, enrolmentMs: 3_600_000 };
    const first = await bootstrapAdmin(d, { username: 'root-admin', displayName: 'Root' });
    await expect(bootstrapAdmin(d, { username: 'other', displayName: 'Other' })).rejects.toMatchObject({
      code: 'admin_exists',
    });
    // no password until enrolment: nothing signs in
    expect((await signIn('root-admin')).body.code).toBe('bad_credentials');
    const weak = await t.call('POST', '/v1/staff/enrol', {
      body: { token: first.enrolment.token, password: 'short' },
    });
    expect(weak.body.code).toBe('weak_password');
    const ok = await t.call('POST', '/v1/staff/enrol', {
      body: { token: first.enrolment.token, password: PASSWORD },
    });
    expect(ok.status).toBe(200);
    const reuse = await t.call('POST', '/v1/staff/enrol', {
      body: { token: first.enrolment.token, password: PASSWORD },
    });
    expect(reuse.body.code).toBe('enrolment_invalid');

    const s = await signIn('root-admin');
    expect(s.status).toBe(201);
    expect(s.body.secondFactor).toBe('enrolment_required');
    const token = bearer(s.body.token as string);
    expect((await t.call('GET', '/v1/admin/accounts', { key: token })).body.code).toBe(
      'second_factor_required',
    );
    const start = await t.call('POST', '/v1/staff/totp', { key: token });
    const secret = start.body.secret as string;
    expect(start.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(
      (await t.call('POST', '/v1/staff/totp/confirm', { key: token, body: { code: '000000' } })).body.code,
    ).toBe('totp_invalid');
    const used = code(secret);
    expect(
      (await t.call('POST', '/v1/staff/totp/confirm', { key: token, body: { code: used } })).status,
    ).toBe(200);
    expect((await t.call('GET', '/v1/admin/accounts', { key: token })).status).toBe(200);

    expect((await signIn('root-admin')).body.code).toBe('totp_required');
    expect((await signIn('root-admin', PASSWORD, used)).body.code).toBe('totp_invalid'); // a code works once
    clock.advance(30_000);
    const again = await signIn('root-admin', PASSWORD, code(secret));
    expect(again.status).toBe(201);
    expect(again.body.secondFactor).toBe('passed');
  });
});

describe('16 sign-in lockout and sessions', () => {
  it('locks an account after 5 wrong passwords, even against the right one, until the lock ends', async () => {
    await account('cs-lock', 'customer-service', [A]);
    for (let i = 0; i < 5; i++) expect((await signIn('cs-lock', 'wrong password!!')).status).toBe(401);
    const locked = await signIn('cs-lock');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    clock.advance(16 * 60_000);
    expect((await signIn('cs-lock')).status).toBe(201);
  });

  it('lists and revokes sessions, ends them when idle, and at once when the account is disabled', async () => {
    const acc = await account('cs-sessions', 'customer-service', [A]);
    const one = (await signIn('cs-sessions')).body.token as string;
    const two = (await signIn('cs-sessions')).body.token as string;
    const mine = await t.call('GET', '/v1/staff/sessions', { key: one });
    const items = mine.body.items as { id: string; current: boolean }[];
    expect(items).toHaveLength(2);
    const other = items.find((i) => !i.current)!;
    expect((await t.call('DELETE', `/v1/staff/sessions/${other.id}`, { key: one })).status).toBe(204);
    expect((await t.call('GET', '/v1/staff/me', { key: two })).body.code).toBe('bad_session');

    clock.advance(31 * 60_000);
    expect((await t.call('GET', '/v1/staff/me', { key: one })).body.code).toBe('session_expired');

    const three = (await signIn('cs-sessions')).body.token as string;
    expect((await t.call('GET', '/v1/staff/me', { key: three })).status).toBe(200);
    const off = await t.call('POST', `/v1/admin/accounts/${acc.id}/status`, {
      key: t.adminKey,
      body: { status: 'disabled' },
    });
    expect(off.status).toBe(200);
    expect((await t.call('GET', '/v1/staff/me', { key: three })).status).toBe(401);
    expect((await signIn('cs-sessions')).body.code).toBe('account_disabled');
  });
});

describe('16 an area manager manages accounts of its own areas only, audited before and after', () => {
  it('grants within its areas and roles, and the trail shows the change', async () => {
    const manager = await t.key('area-manager', undefined, { areas: [A] });
    const base = { username: 'cs-of-b', displayName: 'CS', role: 'customer-service' };
    const outside = await t.call('POST', '/v1/admin/accounts', {
      key: manager,
      body: { ...base, areas: [B] },
    });
    expect(outside.body.code).toBe('area_not_in_scope');
    const admin = await t.call('POST', '/v1/admin/accounts', {
      key: manager,
      body: { ...base, username: 'would-be-admin', role: 'admin', areas: '*' },
    });
    expect(admin.status).toBe(403);
    const made = await t.call('POST', '/v1/admin/accounts', {
      key: manager,
      body: { ...base, username: 'cs-of-a', areas: [A] },
    });
    expect(made.status).toBe(201);
    const id = (made.body.account as { id: string }).id;
    const moved = await t.call('PATCH', `/v1/admin/accounts/${id}`, { key: manager, body: { areas: [B] } });
    expect(moved.body.code).toBe('area_not_in_scope');
    const renamed = await t.call('PATCH', `/v1/admin/accounts/${id}`, {
      key: manager,
      body: { displayName: 'Customer service A' },
    });
    expect(renamed.status).toBe(200);
    const [entry] = await listAudit(t.platform.db, { subject: `account:${id}`, limit: 1 });
    expect(entry?.action).toBe('scenic.account.updated');
    expect(entry?.area_id).toBe(A);
    expect(entry?.before).toMatchObject({ displayName: 'CS' });
    expect(entry?.after).toMatchObject({ displayName: 'Customer service A' });
    // the manager reads its area's trail; a manager of B neither the account nor A's trail
    const trail = await t.call('GET', `/v1/admin/areas/${A}/audit?subject=account:${id}`, { key: manager });
    expect((trail.body.items as { action: string }[]).map((e) => e.action)).toEqual([
      'scenic.account.updated',
      'scenic.account.created',
    ]);
    const other = await t.key('area-manager', undefined, { areas: [B] });
    expect((await t.call('GET', `/v1/admin/accounts/${id}`, { key: other })).status).toBe(404);
    expect((await t.call('GET', `/v1/admin/areas/${A}/audit`, { key: other })).body.code).toBe(
      'area_not_in_scope',
    );
    expect((await t.call('GET', '/v1/admin/audit', { key: manager })).body.code).toBe('all_areas_required');
  });
});

describe('16 / 17.16 device keys: shown once, rotated with an overlap, revoked at once', () => {
  it('the old key works through the overlap and stops after it; a revoked key stops at once', async () => {
    const issued = await t.call('POST', '/v1/admin/device-keys', {
      key: t.adminKey,
      body: { name: 'kiosk 1', kind: 'kiosk', areas: [A], channelId: 'box-office' },
    });
    expect(issued.status).toBe(201);
    const old = issued.body.key as string;
    const id = (issued.body.device as { id: string }).id;
    expect((await t.call('GET', '/v1/staff/me', { key: old })).body).toMatchObject({
      role: 'kiosk',
      areas: [A],
    });
    const rotated = await t.call('POST', `/v1/admin/device-keys/${id}/rotate`, {
      key: t.adminKey,
      body: { overlapSeconds: 60 },
    });
    expect(rotated.status).toBe(201);
    const next = rotated.body.key as string;
    expect((await t.call('GET', '/v1/staff/me', { key: old })).status).toBe(200);
    expect((await t.call('GET', '/v1/staff/me', { key: next })).status).toBe(200);
    clock.advance(61_000);
    expect((await t.call('GET', '/v1/staff/me', { key: old })).body.code).toBe('key_expired');
    expect((await t.call('GET', '/v1/staff/me', { key: next })).status).toBe(200);
    const nextId = (rotated.body.device as { id: string }).id;
    expect((await t.call('DELETE', `/v1/admin/device-keys/${nextId}`, { key: t.adminKey })).status).toBe(200);
    expect((await t.call('GET', '/v1/staff/me', { key: next })).status).toBe(401);
  });

  it('a device key names an on-site channel and explicit areas', async () => {
    const online = await t.call('POST', '/v1/admin/device-keys', {
      key: t.adminKey,
      body: { name: 'kiosk 2', kind: 'kiosk', areas: [A], channelId: 'mini' },
    });
    expect(online.body.code).toBe('device_channel_not_onsite');
    const everywhere = await t.call('POST', '/v1/admin/device-keys', {
      key: t.adminKey,
      body: { name: 'kiosk 3', kind: 'kiosk', areas: '*', channelId: 'box-office' },
    });
    expect(everywhere.status).toBe(400);
  });
});

describe('16 customer service finds orders by phone or ID number, masked, in its areas only', () => {
  it('answers the order with the phone masked and no ticket code; a desk of B sees nothing', async () => {
    const phone = '13912345678';
    const idNumber = residentId('19850101', 333);
    const sale = await t.call('POST', '/v1/box-office/sales', {
      key: await t.key('box-office', 'box-office', { areas: [A] }),
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: A,
        date: localParts(clock.now(), 'Asia/Shanghai').date,
        slotId: 'day',
        contactPhone: phone,
        items: [{ productId: 'acc-a-adult', visitors: [{ name: '李四', idNumber }] }],
        payment: { method: 'cash', tendered: 100_00 },
      },
    });
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    const orderId = (sale.body.order as { id: string }).id;
    const desk = await t.key('customer-service', undefined, { areas: [A] });
    for (const q of [`phone=${phone}`, `idNumber=${idNumber}`, `orderId=${orderId}`]) {
      const found = await t.call('GET', `/v1/cs/areas/${A}/orders?${q}`, { key: desk });
      expect(found.status, q).toBe(200);
      const items = found.body.items as { id: string; contactPhone: string; tickets: { code: unknown }[] }[];
      expect(items.map((o) => o.id)).toEqual([orderId]);
      expect(items[0]!.contactPhone).not.toContain(phone);
      expect(items[0]!.tickets.every((tk) => tk.code === null)).toBe(true);
      expect(JSON.stringify(found.body)).not.toContain(idNumber);
    }
    const deskOfB = await t.key('customer-service', undefined, { areas: [B] });
    expect((await t.call('GET', `/v1/cs/areas/${A}/orders?phone=${phone}`, { key: deskOfB })).status).toBe(
      403,
    );
    expect((await t.call('GET', `/v1/cs/orders/${orderId}`, { key: deskOfB })).status).toBe(404);
    const both = await t.call('GET', `/v1/cs/areas/${A}/orders?phone=${phone}&idNumber=${idNumber}`, {
      key: desk,
    });
    expect(both.status).toBe(400);
  });
});
