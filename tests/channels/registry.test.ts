import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';
import { day, partner, type Body } from './support.js';

const D = day(3);

describe('channel registry: effective states, switches and level changes, audited', () => {
  const api = useApi({ app: { rateLimits: false } });
  let workers: RunningWorkers;
  beforeAll(async () => {
    await partner(api, { id: 'qunar', sellsFrom: '00:00', sellsUntil: '23:59' });
    await api.seed(
      demoArea({
        id: 'reg',
        dailyCapacity: 10,
        instantCapacity: 10,
        quotas: [{ channelId: 'ota:qunar', quota: 2 }],
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 10 }],
      }),
    );
    workers = await startWorkers(api.platform, {
      outboxEveryMs: 50,
      sweepEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
      webhooks: { sweepEveryMs: 3_600_000 },
    });
  });
  afterAll(async () => {
    await workers?.close();
  });

  const states = async (): Promise<Record<string, Body>> => {
    const r = await api.call('GET', `/v1/admin/areas/reg/channel-states?date=${D}`, { key: api.adminKey });
    expect(r.status).toBe(200);
    return Object.fromEntries((r.body.channels as Body[]).map((c) => [c.channelId as string, c]));
  };

  it('closes online channels at orange by itself and records which', async () => {
    expect((await states()).web).toMatchObject({ selling: true, blockedBy: [] });
    for (let i = 0; i < 9; i++) {
      const r = await api.call('POST', '/v1/orders', {
        headers: { 'idempotency-key': randomUUID() },
        body: {
          areaId: 'reg',
          date: D,
          slotId: '0900',
          items: [
            { productId: 'adult', visitors: [{ name: '郑十', idNumber: residentId('19600101', 300 + i) }] },
          ],
        },
      });
      if (i < 8) expect(r.status).toBe(201);
      else expect(r.body.code).toBe('online_closed');
    }
    const s = await states();
    expect(s.web).toMatchObject({ selling: false, blockedBy: ['level_orange'] });
    expect(s['ota:qunar']).toMatchObject({ selling: false, blockedBy: ['level_orange'], quota: 2, used: 0 });
    expect(s['box-office']).toMatchObject({ selling: true });
    await waitFor(
      'level change audited',
      async () =>
        (
          await api.platform
            .db('audit_log')
            .where({ action: 'scenic.channel.level_changed', subject: `reg/${D}` })
        ).length > 0,
      10_000,
    );
    const rows: { data: Body }[] = await api.platform
      .db('audit_log')
      .where({ action: 'scenic.channel.level_changed', subject: `reg/${D}` })
      .orderBy('id')
      .select('data');
    const orange = rows.find((r) => r.data.level === 'orange')!;
    expect(orange.data).toMatchObject({ previous: 'yellow', used: 8, capacity: 10 });
    expect(orange.data.closed).toEqual(expect.arrayContaining(['web', 'mini', 'ota:qunar']));
    expect(orange.data.closed).not.toContain('box-office');
  });

  it('switches a channel off and on, audited and published', async () => {
    const kiosk = await api.key('kiosk', 'kiosk');
    expect(
      (
        await api.call('POST', '/v1/admin/channels/kiosk/disable', {
          key: api.adminKey,
          body: { reason: 'kiosk 3 card reader broken' },
        })
      ).status,
    ).toBe(200);
    expect((await states()).kiosk).toMatchObject({ enabled: false, blockedBy: ['disabled'] });
    const refused = await api.call('POST', '/v1/box-office/sales', {
      key: kiosk,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'reg',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: '郑十', idNumber: residentId('19600101', 400) }] }],
        payment: { method: 'card', reference: 'TERM-3' },
      },
    });
    expect(refused.body.code).toBe('channel_disabled');
    expect(
      (
        await api.call('POST', '/v1/admin/channels/kiosk/enable', {
          key: api.adminKey,
          body: { reason: 'repaired' },
        })
      ).status,
    ).toBe(200);
    const trail = await api.platform
      .db('audit_log')
      .where({ subject: 'channel:kiosk' })
      .orderBy('id')
      .pluck('action');
    expect(trail).toEqual(['scenic.channel.disabled', 'scenic.channel.enabled']);
    const events = (await api.platform
      .db('outbox')
      .where({ topic: 'channel.switched', aggregate_id: 'kiosk' })
      .orderBy('id')
      .pluck('payload')) as Body[];
    expect(events.map((e) => e.enabled)).toEqual([false, true]);
    expect(
      (await api.call('POST', '/v1/admin/channels/kiosk/disable', { key: kiosk, body: { reason: 'x' } }))
        .status,
    ).toBe(403);
  });
});
