import { beforeAll, describe, expect, it } from 'vitest';
import { residentId, useApi } from '../support/platform.js';
import { localParts } from '../../core/time.js';
import { partner } from '../channels/support.js';
import { comboArea, defineComponents, type Body } from './support.js';

const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'cmbp';

/**
 * Issue 18, a combo sold through the signed partner API: the partner reads each
 * component's sessions with their seats left, orders entry + bus + show with its picks,
 * and a departure without enough seats refuses the partner's order as it does the visitor's.
 */
describe('18 combos through the partner API: component sessions in availability, picks in the order', () => {
  const api = useApi({ app: { rateLimits: false } });
  let ota: Awaited<ReturnType<typeof partner>>;
  let n = 700;
  const order = (partnerOrderId: string, bus: string, visitors = 1): Body => ({
    partnerOrderId,
    areaId: AREA,
    date: TODAY,
    slotId: 'day',
    items: [
      {
        productId: 'trio',
        visitors: Array.from({ length: visitors }, () => ({
          name: '钱七',
          idNumber: residentId('19800808', n++),
        })),
      },
    ],
    sessions: { bus, show: 's1930' },
  });
  const left = async () => {
    const a = await ota.client.request<Body>(
      'GET',
      `/partner/v1/areas/${AREA}/combo-availability?date=${TODAY}`,
    );
    const bus = (a.components as { id: string; sessions: { id: string; left: number }[] }[]).find(
      (c) => c.id === 'bus',
    )!;
    return Object.fromEntries(bus.sessions.map((s) => [s.id, s.left]));
  };

  beforeAll(async () => {
    await api.seed(comboArea(AREA));
    ota = await partner(api, { id: 'tripco' });
    await defineComponents(api, AREA, 2);
  });

  it('shows the seats left per departure, takes them with the order, refuses one that does not fit', async () => {
    expect(await left()).toEqual({ b0900: 2, b1400: 2 });
    const held = await ota.client.request<Body>('POST', '/partner/v1/orders', order('TC-1', 'b0900'));
    expect(held).toMatchObject({ status: 'held', amountTotal: 30_000 });
    expect(await left()).toEqual({ b0900: 1, b1400: 2 });
    const full = await ota.client.raw('POST', '/partner/v1/orders', order('TC-2', 'b0900', 2));
    expect(full.status).toBe(409);
    expect(((await full.json()) as Body).code).toBe('combo_component_sold_out');
    expect(await left()).toEqual({ b0900: 1, b1400: 2 });
    const confirmed = await ota.client.request<Body>('POST', '/partner/v1/orders/TC-1/confirm');
    expect(confirmed).toMatchObject({ status: 'issued' });
    expect(await left()).toEqual({ b0900: 1, b1400: 2 });
  });
});
