import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';
import { Queue } from 'bullmq';
import { bullPrefix, holdExpiryScheduler, QUEUES } from '../../workers/queues.js';
import { extendHold } from '../../core/orders/lifecycle.js';
import { systemActor } from '../../core/orders/model.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);

describe('hold expiry through the BullMQ worker', () => {
  const api = useApi({ app: { rateLimits: false } });
  let workers: RunningWorkers;
  let scheduler: ReturnType<typeof holdExpiryScheduler>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'exp' }));
    api.platform.orders.holdTtlSeconds = 1;
    scheduler = holdExpiryScheduler(api.platform);
    api.platform.orders.onHoldPlaced = (id, at) => scheduler.schedule(id, at);
    // the sweeper and reconciler are far away: only the delayed job can expire the hold
    workers = await startWorkers(api.platform, { sweepEveryMs: 3_600_000, reconcileEveryMs: 3_600_000 });
  });
  afterAll(async () => {
    await workers?.close();
    await scheduler?.close();
  });

  it('releases an unpaid hold shortly after it expires', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'exp',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: 'E', idNumber: residentId() }] }],
      },
    });
    expect(o.status).toBe(201);
    expect((await api.platform.inventory.snapshot('exp', D)).used).toBe(1);
    await waitFor(
      'hold expired by the worker',
      async () => {
        const rows: { status: string }[] = await api.platform
          .db('orders')
          .where({ id: o.body.id as string })
          .select('status');
        return rows[0]?.status === 'expired';
      },
      15_000,
    );
    expect((await api.platform.inventory.snapshot('exp', D)).used).toBe(0);
    const audit: { action: string }[] = await api.platform
      .db('audit_log')
      .where({ subject: o.body.id as string })
      .select('action');
    expect(audit.map((a) => a.action)).toEqual(['scenic.order.held', 'scenic.order.expired']);
  });

  it('keeps an extended hold past its first expiry and releases it at the new one', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'exp',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: 'F', idNumber: residentId() }] }],
      },
    });
    expect(o.status).toBe(201);
    const id = o.body.id as string;
    const row = () =>
      api.platform.db('orders').where({ id }).first<{ status: string; res_id: string }>('status', 'res_id');
    const extended = await extendHold(api.platform.orders, systemActor('test'), id, 4);
    const until = new Date(extended.expiresAt!).getTime();
    // the first job (due ~1 s after placing) finds the hold still live and leaves it
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await row()).status).toBe('held');
    expect((await api.platform.inventory.reservation('exp', D, (await row()).res_id))?.expiresAt).toBe(until);
    await waitFor(
      'extended hold expired by the worker',
      async () => (await row()).status === 'expired',
      15_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    const audit: { action: string }[] = await api.platform
      .db('audit_log')
      .where({ subject: id })
      .orderBy('id')
      .select('action');
    expect(audit.map((a) => a.action)).toEqual([
      'scenic.order.held',
      'scenic.order.hold_extended',
      'scenic.order.expired',
    ]);
  });

  it('schedules a burst of 1,203 expiry jobs (three batches), none lost, none doubled, the rest flushed on close', async () => {
    const own = holdExpiryScheduler(api.platform);
    const at = new Date(Date.now() + 3_600_000);
    const ids: string[] = Array.from({ length: 1_203 }, () => randomUUID());
    // asked for at once, as a surge of orders does, and the first ones twice (an order replayed)
    const asked = [...ids, ...ids.slice(0, 50)].map((id) => own.schedule(id, at));
    // close before the batches are out: it waits for every job still queued
    await own.close();
    await Promise.all(asked);
    const queue = new Queue(QUEUES.holdExpiry, {
      connection: api.platform.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(api.platform),
    });
    try {
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      expect(jobs.filter((j) => j && (j.data as { orderId: string }).orderId === j.id).length).toBe(
        ids.length,
      );
      const delayed = (await queue.getDelayed(0, -1)).filter((j) => ids.includes(j.id!));
      expect(delayed.length).toBe(ids.length);
      // each due at the hold's expiry (plus the quarter second the worker waits past it)
      const late = delayed.map((j) => Math.abs(j.timestamp + j.opts.delay! - (at.getTime() + 250)));
      expect(Math.max(...late)).toBeLessThan(1_000);
    } finally {
      await Promise.all(ids.map((id) => queue.remove(id)));
      await queue.close();
    }
  });
});
