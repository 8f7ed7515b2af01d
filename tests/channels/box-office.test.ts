import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { Inventory } from '../../core/inventory/inventory.js';
import { reconcileDay } from '../../core/orders/reconcile.js';
import { EmergencySaleInput, emergencySale } from '../../core/channels/emergency.js';
import { day, type Body } from './support.js';

const idem = () => ({ 'idempotency-key': randomUUID() });

describe('box office, kiosk and handheld selling', () => {
  const api = useApi({ app: { rateLimits: false } });
  let window: string;
  let kiosk: string;
  let handheld: string;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'bo',
        priceRules: [],
        slots: [{ id: 'allday', startsAt: '00:00', endsAt: '23:59', capacity: 400 }],
      }),
    );
    await api.seed(
      demoArea({
        id: 'tiny',
        dailyCapacity: 20,
        instantCapacity: 20,
        quotas: [],
        priceRules: [],
        coupons: [],
        products: [
          {
            id: 'tiny-adult',
            name: 'Adult',
            kind: 'adult',
            basePrice: 3000,
          },
        ],
        slots: [{ id: 'allday', startsAt: '00:00', endsAt: '23:59', capacity: 50 }],
      }),
    );
    window = await api.key('box-office', 'box-office');
    kiosk = await api.key('kiosk', 'kiosk');
    handheld = await api.key('box-office', 'handheld');
  });

  let n = 100;
  const visitors = (k: number) =>
    Array.from({ length: k }, () => ({ name: '周九', idNumber: residentId('19700707', n++) }));
  const sell = (key: string, body: Body) =>
    api.call('POST', '/v1/box-office/sales', {
      key,
      headers: idem(),
      body: {
        areaId: 'bo',
        slotId: 'allday',
        items: [{ productId: 'adult', visitors: visitors(1) }],
        ...body,
      },
    });

  it('sells walk-up tickets for today in cash with change, by card, and by QR through the provider (WeChat Native)', async () => {
    const cash = await sell(window, { payment: { method: 'cash', tendered: 10000 } });
    expect(cash.status).toBe(201);
    expect(cash.body).toMatchObject({
      order: { status: 'issued', channelId: 'box-office', amountTotal: 8000 },
      payment: { method: 'cash', status: 'paid', changeDue: 2000 },
    });
    const pay = await api.platform
      .db('payments')
      .where({ order_id: (cash.body.order as Body).id as string })
      .first<{ provider: string; status: string }>();
    expect(pay).toMatchObject({ provider: 'cash', status: 'succeeded' });

    const card = await sell(handheld, { payment: { method: 'card', reference: 'POS-7781' } });
    expect(card.body).toMatchObject({
      order: { status: 'issued', channelId: 'handheld' },
      payment: { method: 'card', status: 'paid' },
    });

    const qr = await sell(kiosk, { payment: { method: 'qr' } });
    expect(qr.body).toMatchObject({
      order: { status: 'held', channelId: 'kiosk' },
      payment: { method: 'qr', status: 'pending' },
    });
    const orderId = (qr.body.order as Body).id as string;
    expect(await api.payment(orderId)).toMatchObject({ provider: 'wechat', scene: 'native' });
    expect((await api.pay(orderId)).at(-1)?.status).toBe(204);
    expect((await api.call('GET', `/v1/orders/${orderId}`, { key: kiosk })).body.status).toBe('issued');

    const short = await sell(window, { payment: { method: 'cash', tendered: 5000 } });
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('insufficient_cash');
  });

  it('lets a kiosk take only cashless payments and visitors not sell at all', async () => {
    const r = await sell(kiosk, { payment: { method: 'cash', tendered: 8000 } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('payment_method_not_allowed');
    // nobody vouches for a card at a kiosk: the terminal's reference, or no sale recorded
    const orders = await api.platform.db('orders').count<{ n: string }[]>({ n: '*' });
    const noRef = await sell(kiosk, { payment: { method: 'card' } });
    expect(noRef.status).toBe(400);
    expect(noRef.body.code).toBe('card_reference_required');
    expect(await api.platform.db('orders').count<{ n: string }[]>({ n: '*' })).toEqual(orders);
    const withRef = await sell(kiosk, { payment: { method: 'card', reference: 'TERM-0042' } });
    expect(withRef.body).toMatchObject({ payment: { method: 'card', status: 'paid' } });
    expect((await api.call('POST', '/v1/box-office/sales', { headers: idem(), body: {} })).status).toBe(401);
  });

  it('sells a group ticket with its visitor list, reprints and refunds at the window with a reason', async () => {
    const g = await api.call('POST', '/v1/box-office/group-sales', {
      key: window,
      headers: idem(),
      body: {
        areaId: 'bo',
        date: day(1),
        slotId: 'allday',
        productId: 'adult',
        groupName: 'Hangzhou No. 2 Middle School',
        leader: { name: '吴老师', phone: '13900001111' },
        visitors: visitors(60),
        payment: { method: 'card', reference: 'POS-1' },
      },
    });
    expect(g.status).toBe(201);
    const order = g.body.order as Body;
    expect(order).toMatchObject({ status: 'issued', amountTotal: 60 * 8000, contactPhone: '139****1111' });
    expect(order.tickets as Body[]).toHaveLength(60);
    const audit: { action: string; data: Body }[] = await api.platform
      .db('audit_log')
      .where({ subject: order.id as string })
      .orderBy('id')
      .select('action', 'data');
    expect(audit.find((a) => a.action === 'scenic.box_office.group_sale')!.data).toMatchObject({
      group: 'Hangzhou No. 2 Middle School',
      visitors: 60,
    });

    const tickets = order.tickets as Body[];
    const reprint = await api.call('POST', `/v1/box-office/orders/${order.id as string}/reprint`, {
      key: window,
      body: { ticketIds: [tickets[0]!.id] },
    });
    expect(reprint.status).toBe(200);
    expect((reprint.body.tickets as Body[]).map((t) => t.code)).toEqual([tickets[0]!.code]);

    const refunds = api.wechat.refunds.size + api.alipay.refunds.size;
    const rf = await api.call('POST', `/v1/box-office/orders/${order.id as string}/refunds`, {
      key: window,
      headers: idem(),
      body: { reason: 'illness', ticketIds: [tickets[1]!.id], note: 'one pupil ill' },
    });
    expect(rf.status).toBe(201);
    expect(rf.body).toMatchObject({
      order: { status: 'partially_refunded', amountRefunded: 8000 },
      refund: { amount: 8000, status: 'awaiting_counter' },
    });
    // card money goes back on the terminal at the counter, never through a provider
    expect(api.wechat.refunds.size + api.alipay.refunds.size).toBe(refunds);
    const refundId = (rf.body.refund as Body).id as string;
    const queue = await api.call('GET', '/v1/box-office/refunds?areaId=bo', { key: window });
    expect(queue.body.items).toEqual([
      expect.objectContaining({ id: refundId, status: 'awaiting_counter', paidWith: 'card', amount: 8000 }),
    ]);
    const noRef = await api.call('POST', `/v1/box-office/refunds/${refundId}/settle`, {
      key: window,
      body: {},
    });
    expect(noRef.status).toBe(400);
    expect(noRef.body.code).toBe('settlement_reference_required');
    const settled = await api.call('POST', `/v1/box-office/refunds/${refundId}/settle`, {
      key: window,
      body: { reference: 'POS-R-1' },
    });
    expect(settled.body).toMatchObject({ status: 'succeeded', settlementRef: 'POS-R-1' });
    const twice = await api.call('POST', `/v1/box-office/refunds/${refundId}/settle`, {
      key: window,
      body: { reference: 'POS-R-1' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('refund_not_settleable');
    const noReason = await api.call('POST', `/v1/box-office/orders/${order.id as string}/refunds`, {
      key: window,
      headers: idem(),
      body: { ticketIds: [tickets[2]!.id] },
    });
    expect(noReason.status).toBe(400);
    const actions = await api.platform
      .db('audit_log')
      .where({ subject: order.id as string })
      .pluck('action');
    expect(actions).toEqual(expect.arrayContaining(['scenic.ticket.reprinted', 'scenic.order.refunded']));
  });

  it('at orange only on-site channels sell (the reserve), at red nobody', async () => {
    const D = day(1);
    const web = (i: number) =>
      api
        .call('POST', '/v1/orders', {
          headers: idem(),
          body: {
            areaId: 'tiny',
            date: D,
            slotId: 'allday',
            items: [{ productId: 'tiny-adult', visitors: visitors(1) }],
            contactPhone: '13800000000',
            coupons: [],
          },
          key: undefined,
        })
        .then((r) => (void i, r));
    for (let i = 0; i < 17; i++) expect((await web(i)).status).toBe(201);
    const closed = await web(99);
    expect(closed.body.code).toBe('online_closed');
    const onsite = (k: number) =>
      api.call('POST', '/v1/box-office/sales', {
        key: window,
        headers: idem(),
        body: {
          areaId: 'tiny',
          date: D,
          slotId: 'allday',
          items: [{ productId: 'tiny-adult', visitors: visitors(k) }],
          payment: { method: 'cash' },
        },
      });
    expect((await onsite(3)).status).toBe(201);
    const full = await onsite(1);
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('day_sold_out');
  });

  it('emergency manual mode: a supervisor opens it, sales are capped and recorded, also with the stock unreachable', async () => {
    const D = day(2);
    const supervisorKey = api.adminKey;
    const body = { areaId: 'bo', date: D, maxUnits: 3, reason: 'stock service degraded, manual lane 2' };
    expect((await api.call('POST', '/v1/box-office/emergency', { key: window, body })).status).toBe(403);
    const tooMany = await api.call('POST', '/v1/box-office/emergency', {
      key: supervisorKey,
      body: { ...body, maxUnits: 1000 },
    });
    expect(tooMany.body.code).toBe('beyond_onsite_reserve'); // 15 % of 5,000 = 750
    const open = await api.call('POST', '/v1/box-office/emergency', { key: supervisorKey, body });
    expect(open.status).toBe(201);
    const sessionId = open.body.id as string;
    expect((await api.call('POST', '/v1/box-office/emergency', { key: supervisorKey, body })).body.code).toBe(
      'emergency_already_open',
    );

    const sale = (k: number) =>
      api.call('POST', `/v1/box-office/emergency/${sessionId}/sales`, {
        key: window,
        headers: idem(),
        body: {
          areaId: 'bo',
          date: D,
          slotId: 'allday',
          items: [{ productId: 'adult', visitors: visitors(k) }],
          payment: { method: 'cash' },
        },
      });
    const first = await sale(1);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      order: { status: 'issued' },
      emergency: { stockUnreachable: false, usedUnits: 1, maxUnits: 3 },
    });

    // the central stock is down: the sale counts against the session only, and says so
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const p = api.platform;
    const deadInventory = new Inventory(dead, {
      prefix: p.cfg.REDIS_PREFIX,
      clock: p.clock,
      loadPlan: (a, d) => p.catalog.plan(a, d),
    });
    const actor = {
      kind: 'staff' as const,
      id: 'lane-2',
      role: 'box-office' as const,
      channelId: 'box-office',
    };
    const before = (await p.inventory.snapshot('bo', D)).used;
    const input = EmergencySaleInput.parse({
      areaId: 'bo',
      date: D,
      slotId: 'allday',
      items: [{ productId: 'adult', visitors: visitors(2) }],
      payment: { method: 'cash' },
    });
    const degraded = await emergencySale({ ...p.orders, inventory: deadInventory }, actor, sessionId, input, {
      budgetMs: 300,
    });
    dead.disconnect();
    expect(degraded).toMatchObject({
      order: { status: 'issued' },
      emergency: { stockUnreachable: true, usedUnits: 3 },
    });
    expect((await p.inventory.snapshot('bo', D)).used).toBe(before);

    const over = await sale(1);
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('emergency_reserve_exhausted');

    // once the stock is back, the reconciler re-records what was sold by hand
    const report = await reconcileDay(p.orders, 'bo', D);
    expect(report.adopted).toContain((degraded.order as { id: string }).id);
    expect((await p.inventory.snapshot('bo', D)).used).toBe(before + 2);

    const closed = await api.call('POST', `/v1/box-office/emergency/${sessionId}/close`, {
      key: supervisorKey,
    });
    expect(closed.body).toMatchObject({ usedUnits: 3, maxUnits: 3 });
    expect(closed.body.closedAt).toBeTruthy();
    const rows: { stock_unreachable: boolean; units: number }[] = await p
      .db('emergency_sales')
      .where({ session_id: sessionId })
      .orderBy('at')
      .select('stock_unreachable', 'units');
    expect(rows).toEqual([
      { stock_unreachable: false, units: 1 },
      { stock_unreachable: true, units: 2 },
    ]);
    const trail = await p
      .db('audit_log')
      .where({ subject: `emergency:${sessionId}` })
      .orderBy('id')
      .select<{ action: string; data: Body }[]>('action', 'data');
    expect(trail.map((t) => t.action)).toEqual(['scenic.emergency.opened', 'scenic.emergency.closed']);
    expect(trail[1]!.data).toMatchObject({ sales: 2, units: 3, unreachable: 1 });
  });
});
