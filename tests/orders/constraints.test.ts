import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { isUniqueViolation, UNIQUE_CONSTRAINTS } from '../../core/db/errors.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);

/**
 * Unique violations become domain errors by Postgres's SQLSTATE and constraint name
 * (core/db/errors.ts), not by matching message text: these tests fail if a migration
 * renames a constraint the code relies on.
 */
describe('unique constraints as domain errors (real Postgres)', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({ id: 'uniq', slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 10 }] }),
    );
  });

  let person = 300;
  const order = (partnerOrderId: string) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'uniq',
        date: D,
        slotId: '0900',
        partnerOrderId,
        items: [
          { productId: 'adult', visitors: [{ name: '张三', idNumber: residentId('19900307', person++) }] },
        ],
      },
    });

  it('a second order with a channel’s partner order id is duplicate_partner_order, and its hold goes back', async () => {
    expect((await order('p-1')).status).toBe(201);
    const again = await order('p-1');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('duplicate_partner_order');
    const snap = await api.platform.inventory.snapshot('uniq', D);
    expect(snap.used).toBe(1);
  });

  it('recognises each named constraint, and nothing else', async () => {
    expect((await order('p-2')).status).toBe(201);
    const p2 = () => api.platform.db('orders').where({ partner_order_id: 'p-2' });
    const dup = await p2()
      .update({ partner_order_id: 'p-1' })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(dup, UNIQUE_CONSTRAINTS.partnerOrderId)).toBe(true);
    expect(isUniqueViolation(dup, UNIQUE_CONSTRAINTS.openEmergencySession)).toBe(false);
    const first: { id: string } | undefined = await api.platform
      .db('orders')
      .where({ partner_order_id: 'p-1' })
      .first('id');
    const pk = await p2()
      .update({ id: first!.id })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(pk, UNIQUE_CONSTRAINTS.partnerOrderId)).toBe(false); // the primary key
    const text = new Error(
      `duplicate key value violates unique constraint "${UNIQUE_CONSTRAINTS.partnerOrderId}"`,
    );
    expect(isUniqueViolation(text, UNIQUE_CONSTRAINTS.partnerOrderId)).toBe(false);
  });
});
