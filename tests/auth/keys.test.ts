import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { demoArea } from '../../core/catalog/demo.js';
import { localParts } from '../../core/time.js';
import { partner } from '../channels/support.js';
import { residentId, useApi } from '../support/platform.js';

/**
 * #17.18, the accounts lane's part: issuing a partner key without an overlap used to
 * leave the older keys valid forever; a staff key without a channel could sell through
 * any requested channel (OTA channels and the on-site reserve included), and a staff key
 * of an online channel sold through it.
 */
const t = useApi();
const AREA = 'keys-area';
const DAY = [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }];

const sale = (seq: number) => ({
  areaId: AREA,
  date: localParts(new Date(), 'Asia/Shanghai').date,
  slotId: 'day',
  items: [{ productId: 'keys-adult', visitors: [{ name: '王五', idNumber: residentId('19900307', seq) }] }],
  payment: { method: 'cash', tendered: 100_00 },
});

beforeAll(async () => {
  await t.seed(
    demoArea({
      id: AREA,
      slots: DAY,
      products: [{ ...demoArea().products[0]!, id: 'keys-adult' }],
      entrances: [{ id: 'keys-gate', name: 'Gate' }],
    }),
  );
});

describe('17.18 key issued without overlap', () => {
  it("ends the partner's older keys after the default overlap instead of never", async () => {
    const { cred } = await partner(t, { id: 'keys-ota' });
    const before = Date.now();
    const issued = await t.call('POST', '/v1/admin/partners/keys-ota/keys', { key: t.adminKey, body: {} });
    expect(issued.status).toBe(201);
    const old = await t.platform.db('partner_credentials').where({ key_id: cred.keyId }).first();
    expect(old?.expires_at, 'the old key must stop some day').toBeInstanceOf(Date);
    const overlap = t.cfg.SCENIC_KEY_OVERLAP_SECONDS * 1000;
    expect(old!.expires_at!.getTime()).toBeGreaterThanOrEqual(before + overlap - 5_000);
    expect(old!.expires_at!.getTime()).toBeLessThanOrEqual(Date.now() + overlap + 5_000);
    const fresh = await t.platform
      .db('partner_credentials')
      .where({ key_id: issued.body.keyId as string })
      .first();
    expect(fresh?.expires_at ?? null).toBeNull();
  });
});

describe('17.18 staff keys without a channel', () => {
  it('sell nothing, and a staff key sells only through an on-site channel', async () => {
    const noChannel = await t.key('box-office', undefined, { areas: [AREA] });
    const refused = await t.call('POST', '/v1/box-office/sales', {
      key: noChannel,
      headers: { 'idempotency-key': randomUUID() },
      body: sale(11),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('channel_required');
    const online = await t.key('box-office', 'mini', { areas: [AREA] });
    const viaOnline = await t.call('POST', '/v1/box-office/sales', {
      key: online,
      headers: { 'idempotency-key': randomUUID() },
      body: sale(12),
    });
    expect(viaOnline.body.code).toBe('channel_not_allowed');
    const onsite = await t.key('box-office', 'box-office', { areas: [AREA] });
    const sold = await t.call('POST', '/v1/box-office/sales', {
      key: onsite,
      headers: { 'idempotency-key': randomUUID() },
      body: sale(13),
    });
    expect(sold.status, JSON.stringify(sold.body)).toBe(201);
  });
});
