import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { relayOutbox } from '../../workers/outbox.js';
import { reconcileAll, hasDrift } from '../../core/orders/reconcile.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 1);
type Body = Record<string, unknown>;

/**
 * A product that releases its capacity on exit: when the gate ledger reports the exit
 * (outbox `ticket.capacity_released`, exactly as core/checkin/ledger.ts writes it), the
 * ticket's stock goes back on sale, once, and Postgres and Redis agree about it.
 */
describe('capacity released on exit', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    const base = demoArea({
      id: 'short-visit',
      slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 2 }],
      quotas: [],
    });
    await api.seed({
      ...base,
      products: [
        ...base.products,
        { ...base.products[0]!, id: 'garden-hour', name: 'Garden hour', releaseOnExit: true },
      ],
    });
  });

  it('puts the stock of a visitor who left back on sale, once', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'short-visit',
        date: D,
        slotId: '0900',
        items: [
          {
            productId: 'garden-hour',
            visitors: [
              { name: 'A', idNumber: residentId('19900101', 11) },
              { name: 'B', idNumber: residentId('19900101', 12) },
            ],
          },
        ],
      },
    });
    expect(o.status).toBe(201);
    await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
      headers: { 'x-order-token': o.body.accessToken as string },
    });
    await api.pay(o.body.id as string);
    const t = (
      (
        await api.call('GET', `/v1/orders/${o.body.id as string}`, {
          headers: { 'x-order-token': o.body.accessToken as string },
        })
      ).body.tickets as Body[]
    )[0]!;
    expect((await api.platform.inventory.snapshot('short-visit', D)).used).toBe(2);

    const exit = {
      topic: 'ticket.capacity_released',
      aggregate_id: t.id as string,
      payload: JSON.stringify({
        ticketId: t.id,
        areaId: 'short-visit',
        date: D,
        slotId: '0900',
        units: 1,
        reason: 'exit',
      }),
    };
    // an exit scanned before the visitor came in frees nothing: the ticket can still enter
    await api.platform.db('outbox').insert(exit);
    while ((await relayOutbox(api.platform)) > 0);
    expect((await api.platform.inventory.snapshot('short-visit', D)).used).toBe(2);
    await api.platform
      .db('tickets')
      .where({ id: t.id as string })
      .update({ entries_used: 1 }); // the ledger counted the entry

    await api.platform.db('outbox').insert(exit);
    await api.platform.db('outbox').insert(exit); // delivered twice: at-least-once
    while ((await relayOutbox(api.platform)) > 0);
    expect((await api.platform.inventory.snapshot('short-visit', D)).used).toBe(1);
    const rows: { capacity_released_at: Date | null }[] = await api.platform
      .db('tickets')
      .where({ id: t.id as string })
      .select('capacity_released_at');
    expect(rows[0]!.capacity_released_at).toBeInstanceOf(Date);
    const reports = await reconcileAll(
      api.platform.orders,
      await api.platform.inventory.reservationDays(),
      0,
    );
    expect(reports.filter(hasDrift)).toEqual([]);
    expect((await api.platform.inventory.snapshot('short-visit', D)).used).toBe(1);

    // the freed place sells again
    const again = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'short-visit',
        date: D,
        slotId: '0900',
        items: [
          { productId: 'garden-hour', visitors: [{ name: 'C', idNumber: residentId('19900101', 13) }] },
        ],
      },
    });
    expect(again.status).toBe(201);
  });
});
