import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { addDays, localParts } from '../../core/time.js';
import type { DailyReport } from '../../core/reports/daily.js';
import type { Clock } from '../../core/clock.js';
import { partner, type Body } from '../channels/support.js';
import { GateState } from '../../gate/state.js';
import type { EntranceRules } from '../../core/checkin/rules.js';
import type { ManifestTicket } from '../../core/checkin/protocol.js';

const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'grp';
const LEADER_PHONE = '13912345678';

/**
 * Issue 18, group tickets through the HTTP API against real Postgres and Redis: a group of
 * 6 buys one ticket (one QR) at its tier price with a leader and each member's name and ID;
 * the gate admits 4, a second scan 2, a third is refused; two offline devices admitting the
 * same party count at most its size; the no-shows are in the order view and the daily
 * report, refunded after the day under the product's policy (fee kept), the books add up;
 * groups racing for the last places do not oversell.
 */
describe('18 group tickets: buy at the tier, enter n of N, no-shows, refund, race', () => {
  // the clock can move past the visit day (no-show refunds are after the day)
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const api = useApi({ app: { rateLimits: false }, clock });
  let person = 100;
  const member = () => ({ name: '李小龙', idNumber: residentId('19800101', person++) });
  const gates: Record<string, string> = {};

  beforeAll(async () => {
    const group = {
      minPersons: 2,
      maxPersons: 30,
      tiers: [
        { fromPersons: 2, unitPrice: 7000 },
        { fromPersons: 5, unitPrice: 6000 },
        { fromPersons: 20, unitPrice: 5000 },
      ],
    };
    await api.seed(
      demoArea({
        id: AREA,
        name: 'Group Area',
        dailyCapacity: 200,
        slots: [
          { id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 200 },
          { id: 'small', startsAt: '00:00', endsAt: '23:59', capacity: 10 },
        ],
        quotas: [],
        priceRules: [],
        coupons: [],
        products: [
          { id: 'adult', name: 'Adult', kind: 'adult', basePrice: 8000 },
          {
            id: 'tour',
            name: 'Group tour',
            kind: 'group',
            basePrice: 8000,
            group,
            // no-shows refund after the day, 10 % kept
            policy: { refund: { fee: { kind: 'percent', bps: 1000 } }, reschedule: { allowed: false } },
          },
          {
            id: 'tour-final',
            name: 'Group tour, non-refundable',
            kind: 'group',
            basePrice: 8000,
            group,
            policy: { refund: { allowed: false }, reschedule: { allowed: false } },
          },
        ] as never,
      }),
    );
    for (const id of ['grp-t1', 'grp-t2'])
      gates[id] = (
        await registerGateDevice(
          api.platform.db,
          { id, areaId: AREA, entranceId: 'north-gate', kind: 'turnstile' },
          api.platform.clock,
        )
      ).credential;
  });

  const gate = async (gateId: string, method: 'GET' | 'POST', path: string, body?: Body) => {
    const res = await fetch(`${api.url}/gate/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${gates[gateId]}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Body;
  };
  const seqs: Record<string, number> = {};
  const journal = (
    gateId: string,
    ticketId: string,
    persons: number | undefined,
    mode: 'online' | 'offline',
    scanId = randomUUID(),
  ) => {
    seqs[gateId] = (seqs[gateId] ?? 0) + 1;
    return {
      scanId,
      seq: seqs[gateId],
      at: new Date().toISOString(),
      media: 'qr',
      direction: 'in',
      ticketId,
      decision: 'admit',
      reason: 'ok',
      mode,
      ...(persons ? { persons } : {}),
    };
  };
  /** the turnstile asks the centre for n persons and, told to admit, journals the entry */
  const enter = async (ticketId: string, persons?: number): Promise<Body> => {
    const scan = {
      scanId: randomUUID(),
      ticketId,
      at: new Date().toISOString(),
      media: 'qr',
      ...(persons ? { persons } : {}),
    };
    const answer = await gate('grp-t1', 'POST', 'precheck', scan);
    if (answer.admit) {
      const e = journal('grp-t1', ticketId, (answer.group as Body).persons as number, 'online', scan.scanId);
      await gate('grp-t1', 'POST', 'journal', { entries: [e] });
    }
    return answer;
  };

  const buyGroup = async (productId: string, size: number, slotId = 'day') => {
    const placed = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date: TODAY,
        slotId,
        items: [
          {
            productId,
            leader: { name: '张导游', phone: LEADER_PHONE },
            visitors: Array.from({ length: size }, member),
          },
        ],
      },
    });
    return placed;
  };
  const buyAndPay = async (productId: string, size: number) => {
    const placed = await buyGroup(productId, size);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id as string;
    const token = placed.body.accessToken as string;
    const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    await api.pay(id);
    for (let i = 0; i < 100; i++) {
      const o = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
      if (o.body.status === 'issued')
        return { id, token, order: o.body, ticket: (o.body.tickets as Body[])[0]! };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${id} was not issued`);
  };
  const view = async (o: { id: string; token: string }) =>
    (await api.call('GET', `/v1/orders/${o.id}`, { headers: { 'x-order-token': o.token } })).body;

  it('sells a group of 6 as one ticket at its tier price, leader and members masked', async () => {
    const o = await buyAndPay('tour', 6);
    expect(o.order.amountTotal).toBe(6 * 6000);
    const tickets = o.order.tickets as Body[];
    expect(tickets).toHaveLength(1);
    expect(o.ticket.code).toMatch(/^SC1/);
    expect(o.ticket.price).toBe(36_000);
    expect(o.ticket.entriesAllowed).toBe(6);
    const g = o.ticket.group as Body;
    expect(g).toMatchObject({
      size: 6,
      entered: 0,
      noShows: 6,
      leader: { name: '张**', phone: '139****5678' },
    });
    expect((g.members as Body[]).map((m) => m.name)).toEqual(Array(6).fill('李**'));
    expect(JSON.stringify(o.order)).not.toContain(LEADER_PHONE);
    expect(o.order.contactPhone).toBe('139****5678'); // the SMS goes to the leader
    // a party of 3 is on the lower tier; a party below the minimum or without a leader is refused
    const three = await buyGroup('tour', 3);
    expect(three.status).toBe(201);
    expect(three.body.amountTotal).toBe(3 * 7000);
    const one = await buyGroup('tour', 1);
    expect([one.status, one.body.code]).toEqual([400, 'group_size_out_of_range']);
    const noLeader = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        date: TODAY,
        slotId: 'day',
        items: [{ productId: 'tour', visitors: [member(), member()] }],
      },
    });
    expect([noLeader.status, noLeader.body.code]).toEqual([400, 'group_leader_required']);
    // sealed at rest: neither the phone nor a member's name is in the row in clear
    const row = await api.platform
      .db('tickets')
      .where({ id: o.ticket.id as string })
      .first();
    expect(row?.group_enc).not.toContain(LEADER_PHONE);
    expect(row?.group_enc).not.toContain('李小龙');
    expect(row?.units).toBe(6);
    expect(api.logLines.join('\n')).not.toContain(LEADER_PHONE);
  });

  it('the gate admits 4, a second scan the other 2, a third is refused', async () => {
    const o = await buyAndPay('tour', 6);
    const tid = o.ticket.id as string;
    const m = await gate('grp-t1', 'GET', `manifest?date=${TODAY}`);
    expect((m.tickets as Body[]).find((t) => t.ticketId === tid)?.group).toEqual({
      size: 6,
      members: Array(6).fill('李**'),
    });
    const first = await enter(tid, 4);
    expect(first).toMatchObject({ admit: true, group: { size: 6, persons: 4, entered: 4, remaining: 2 } });
    const tooMany = await enter(tid, 3);
    expect([tooMany.admit, tooMany.reason]).toEqual([false, 'party_exceeded']);
    const second = await enter(tid); // no count: everyone still outside
    expect(second).toMatchObject({ admit: true, group: { persons: 2, entered: 6, remaining: 0 } });
    const third = await enter(tid, 1);
    expect([third.admit, third.reason]).toEqual([false, 'already_redeemed']);
    const v = await view(o);
    expect((v.tickets as Body[])[0]!.group).toMatchObject({ entered: 6, noShows: 0 });
    // a used group (all entered) is not refundable
    const r = await api.call('POST', `/v1/orders/${o.id}/refunds`, {
      headers: { 'x-order-token': o.token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect([r.status, r.body.code]).toEqual([409, 'ticket_used']);
  });

  it('online, two gates asking for 4 of a party of 6 at once: one admits, the other is refused', async () => {
    const o = await buyAndPay('tour', 6);
    const tid = o.ticket.id as string;
    const ask = (g: string) =>
      gate(g, 'POST', 'precheck', {
        scanId: randomUUID(),
        ticketId: tid,
        at: new Date().toISOString(),
        media: 'qr',
        persons: 4,
      });
    const answers = await Promise.all([ask('grp-t1'), ask('grp-t2')]);
    expect(answers.map((x) => x.admit).sort()).toEqual([false, true]);
    expect(answers.find((x) => !x.admit)?.reason).toBe('party_exceeded');
    const row = await api.platform.db('tickets').where({ id: tid }).first();
    expect(row?.entries_used).toBe(4);
  });

  it('offline at two devices, the party counts at most its size (once, in scan order)', async () => {
    const o = await buyAndPay('tour', 6);
    const tid = o.ticket.id as string;
    const before = await gate('grp-t1', 'GET', 'rules');
    const inPark0 = (before.presence as Body).inPark as number;
    // the edge agent's own state (gate/state.ts) decides offline with the shared rules: 4, then
    // more than the 2 left is refused, then the 2 left
    const m = await gate('grp-t2', 'GET', `manifest?date=${TODAY}`);
    const offline = new GateState();
    offline.rules = before.rules as EntranceRules;
    offline.setManifest(TODAY, m.manifestKey as string, m.cursor as number, m.tickets as ManifestTicket[]);
    const found = offline.resolveTicketId(tid);
    const r = found.ok ? found.tickets[0]! : undefined;
    expect(r?.members).toEqual(Array(6).fill('李**'));
    expect(offline.decide(r!, new Date(), 4)).toEqual({ admit: true, reason: 'ok' });
    offline.reserve(tid, 4, 4);
    expect(offline.decide(r!, new Date(), 3)).toEqual({ admit: false, reason: 'party_exceeded' });
    expect(offline.personsOf(r!)).toBe(2);
    offline.reserve(tid, 2, 2);
    expect(offline.decide(r!, new Date(), 1)).toEqual({ admit: false, reason: 'already_redeemed' });
    const a = journal('grp-t1', tid, 4, 'offline');
    const b = journal('grp-t2', tid, 4, 'offline');
    await gate('grp-t2', 'POST', 'journal', { entries: [b] });
    await gate('grp-t1', 'POST', 'journal', { entries: [a] });
    // the same upload again changes nothing
    const again = await gate('grp-t1', 'POST', 'journal', { entries: [a] });
    expect(again.duplicates).toBe(1);
    const row = await api.platform.db('tickets').where({ id: tid }).first();
    expect(row?.entries_used).toBe(6);
    expect(((again.presence as Body).inPark as number) - inPark0).toBe(6);
    const scans = await api.platform.db('checkin_scans').where({ ticket_id: tid }).orderBy('scanned_at');
    expect(scans.map((s) => s.persons_counted).sort()).toEqual([2, 4]);
    const flag = await api.platform
      .db('checkin_flags')
      .where({ ticket_id: tid, kind: 'double_entry' })
      .first();
    expect(flag?.status).toBe('open');
    // online, the centre refuses the next scan of the full party
    expect((await enter(tid, 1)).reason).toBe('already_redeemed');
  });

  it('records no-shows, refunds them after the day under the policy, and the figures add up', async () => {
    const o = await buyAndPay('tour', 6);
    const fin = await buyAndPay('tour-final', 5);
    expect((await enter(o.ticket.id as string, 4)).admit).toBe(true);
    expect((await enter(fin.ticket.id as string, 3)).admit).toBe(true);
    const v = await view(o);
    expect((v.tickets as Body[])[0]!.group).toMatchObject({ size: 6, entered: 4, noShows: 2 });
    const refund = (x: { id: string; token: string }) =>
      api.call('POST', `/v1/orders/${x.id}/refunds`, {
        headers: { 'x-order-token': x.token, 'idempotency-key': randomUUID() },
        body: { reason: 'change_of_plans' },
      });
    // on the day the rest may still come: not refundable yet
    expect((await refund(o)).body.code).toBe('ticket_used');
    const report = async (date: string) => {
      const r = await fetch(`${api.url}/v1/admin/reports/${AREA}/${date}.json`, {
        headers: { authorization: `Bearer ${api.adminKey}` },
      });
      expect(r.status).toBe(200);
      return (await r.json()) as DailyReport;
    };
    offsetMs = 86_400_000 + 60_000; // the next day
    try {
      const r = await refund(o);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      // 2 no-shows of 6000: 12000, 10 % of the ticket's price (3600) kept
      expect(r.body.refund).toMatchObject({ amount: 12_000 - 3600, fee: 3600 });
      const none = await refund(fin);
      expect([none.status, none.body.code]).toEqual([403, 'refund_not_allowed']);
      const books = await api.platform.db('refunds').where({ order_id: o.id });
      expect(books.map((b) => Number(b.amount))).toEqual([8400]);
      const fees = await api.platform.db('policy_fees').where({ order_id: o.id });
      expect(fees.map((f) => Number(f.amount))).toEqual([3600]);
      const ord = await api.platform.db('orders').where({ id: o.id }).first();
      // what the area keeps: the entered persons' value and the fee
      expect(ord!.amount_total - ord!.amount_refunded).toBe(4 * 6000 + 3600);
    } finally {
      offsetMs = 0;
    }
    const rep = await report(TODAY);
    const tour = rep.groups!.find((g) => g.product === 'tour')!;
    const final = rep.groups!.find((g) => g.product === 'tour-final')!;
    expect(final).toMatchObject({ groups: 1, persons: 5, entered: 3, noShows: 2, refunded: 0 });
    expect(tour.refunded).toBe(1);
    expect(tour.persons - tour.entered).toBe(tour.noShows);
    expect(rep.totals.net).toBe(rep.totals.gross - rep.totals.refundsBooked);
  });

  it('sells groups through the partner API at the same tier', async () => {
    const tc = await partner(api, { id: 'grp-ota' });
    await tc.client.createOrder({
      partnerOrderId: 'G-1',
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      items: [
        {
          productId: 'tour',
          leader: { name: '王领队', phone: '13800001111' },
          visitors: [member(), member(), member(), member(), member()],
        },
      ],
    } as never);
    const confirmed = await tc.client.confirm('G-1');
    expect(JSON.stringify(confirmed)).not.toContain('13800001111');
    const row = await api.platform.db('orders').where({ partner_order_id: 'G-1' }).first();
    expect(row?.amount_total).toBe(5 * 6000);
    const t = await api.platform.db('tickets').where({ order_id: row!.id });
    expect(t.map((x) => x.units)).toEqual([5]);
  });

  it('sells a group at the box office window, paid in cash, as one ticket at the tier', async () => {
    const window = await api.key('box-office', 'box-office');
    const sold = await api.call('POST', '/v1/box-office/sales', {
      key: window,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: AREA,
        slotId: 'day',
        items: [
          {
            productId: 'tour',
            leader: { name: '赵领队', phone: '13700002222' },
            visitors: [member(), member()],
          },
        ],
        payment: { method: 'cash', tendered: 14_000 },
      },
    });
    expect(sold.status, JSON.stringify(sold.body)).toBe(201);
    const order = sold.body.order as Body;
    expect(order).toMatchObject({ status: 'issued', amountTotal: 2 * 7000 });
    expect((order.tickets as Body[]).map((t) => (t.group as Body).size)).toEqual([2]);
  });

  it('settlement: the group sales and the no-show refund add up to the money taken', async () => {
    // the no-show refund was booked the day after the visit
    const res = await api.call('GET', `/v1/admin/settlement?from=${TODAY}&to=${addDays(TODAY, 1)}`, {
      key: api.adminKey,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const totals = res.body.totals as { sales: number; refunds: number; taken: number };
    const sold = await api.platform
      .db('orders')
      .where({ area_id: AREA })
      .whereIn('status', ['issued', 'refunded', 'partially_refunded'])
      .sum({ s: 'amount_total' });
    const back = await api.platform.db('refunds').whereNot({ status: 'failed' }).sum({ s: 'amount' });
    expect(totals.sales).toBe(Number(sold[0]!.s));
    expect(totals.refunds).toBe(Number(back[0]!.s));
    expect(totals.refunds).toBe(8400); // the one no-show refund of this file
    expect(totals.taken).toBe(totals.sales - totals.refunds);
    const parties = res.body.parties as { party: string; total: number }[];
    expect(parties.reduce((sum, p) => sum + p.total, 0)).toBe(totals.taken);
  });

  it('groups racing for the last places of a slot never oversell', async () => {
    // the slot has 10 places: five parties of 4 race, at most two get theirs
    const results = await Promise.all(Array.from({ length: 5 }, () => buyGroup('tour', 4, 'small')));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok.length).toBe(2);
    expect(refused.every((r) => r.status === 409)).toBe(true);
    const held = await api.platform
      .db('tickets')
      .where({ area_id: AREA, slot_id: 'small' })
      .sum<{ n: string }[]>({ n: 'units' });
    expect(Number(held[0]!.n)).toBe(8);
  });
});
