import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { hasDrift, reconcileAll } from '../../core/orders/reconcile.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);

/** The reconciler puts a reservation that drifted from the books right, in one step. */
describe('reconciler', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'drift' }));
  });

  it('corrects a drifted reservation to what Postgres says, and the counters with it', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'drift',
        date: D,
        slotId: '0900',
        items: [
          {
            productId: 'adult',
            visitors: [
              { name: 'A', idNumber: residentId('19910101', 1) },
              { name: 'B', idNumber: residentId('19910101', 2) },
            ],
          },
        ],
      },
    });
    expect(o.status).toBe(201);
    const { res_id: resId } = await api.platform
      .db('orders')
      .where({ id: o.body.id as string })
      .first<{ res_id: string }>('res_id');
    const before = await api.platform.inventory.reservation('drift', D, resId);
    // drift: Redis now believes the order holds 5 units in the 10:00 slot
    await api.platform.inventory.reserve(
      {
        resId,
        areaId: 'drift',
        date: D,
        slotId: '1000',
        channelId: 'web',
        channelKind: 'online',
        units: 5,
        idHashes: [],
        expiresAt: before!.expiresAt,
      },
      'replace',
    );
    expect((await api.platform.inventory.snapshot('drift', D)).slots['1000']!.used).toBe(5);

    const reports = await reconcileAll(
      api.platform.orders,
      await api.platform.inventory.reservationDays(),
      0,
    );
    expect(reports.find((r) => r.areaId === 'drift' && r.date === D)?.corrected).toEqual([resId]);
    expect(await api.platform.inventory.reservation('drift', D, resId)).toMatchObject({
      slotId: '0900',
      units: 2,
      held: true,
    });
    const snap = await api.platform.inventory.snapshot('drift', D);
    expect([snap.slots['0900']!.used, snap.slots['1000']!.used, snap.used]).toEqual([2, 0, 2]);
    expect(
      (await reconcileAll(api.platform.orders, await api.platform.inventory.reservationDays(), 0)).filter(
        hasDrift,
      ),
    ).toEqual([]);
  });
});
