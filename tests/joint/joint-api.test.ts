import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { localParts } from '../../core/time.js';
import { buyAndPay, defineJoint, jointArea, type Body } from './support.js';

const TODAY = localParts(new Date(), 'Asia/Shanghai').date;

/**
 * Issue 18, joint tickets and packages through the HTTP API: the admin defines a supplier
 * and a product valid at two areas; a visitor buys it (through a channel that takes
 * commission), pays, enters each area once (a second entry at the same area is refused,
 * the other area's ticket is not valid here); another buys and refunds; the settlement
 * statements split sales, refunds and commission per party and add up to the money taken.
 */
describe('18 joint tickets: buy, enter once per area, refund, settle', () => {
  const api = useApi({ app: { rateLimits: false } });
  let person = 100;
  const visitor = () => ({ name: 'Li Hua', idNumber: residentId('19880808', person++) });
  const gates: Record<string, string> = {};

  beforeAll(async () => {
    await api.seed(jointArea('ja'), [
      {
        id: 'trip',
        name: 'Travel app',
        kind: 'online',
        enabled: true,
        commissionBps: 800,
        discountBps: 0,
        sellsFrom: null,
        sellsUntil: null,
      },
    ]);
    await api.seed(jointArea('jb'));
    await defineJoint(api, 'duo', ['ja', 'jb']);
    for (const areaId of ['ja', 'jb'])
      gates[areaId] = (
        await registerGateDevice(
          api.platform.db,
          { id: `${areaId}-g1`, areaId, entranceId: 'north-gate', kind: 'turnstile' },
          api.platform.clock,
        )
      ).credential;
  });

  const gate = async (areaId: string, path: 'precheck' | 'journal', body: Body) => {
    const res = await fetch(`${api.url}/gate/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gates[areaId]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  };
  let seq = 0;
  /** the gate asks the centre, and if told to admit, lets the visitor in and journals it */
  const enter = async (areaId: string, ticketId: string): Promise<Body> => {
    const scan = { scanId: randomUUID(), ticketId, at: new Date().toISOString(), media: 'qr' };
    const answer = await gate(areaId, 'precheck', scan);
    if (answer.admit)
      await gate(areaId, 'journal', {
        entries: [{ ...scan, seq: ++seq, direction: 'in', decision: 'admit', reason: 'ok', mode: 'online' }],
      });
    return answer;
  };

  it('the admin API lists the product and refuses shares that do not add up', async () => {
    const list = await api.call('GET', '/v1/joint-products');
    expect((list.body.items as Body[]).map((p) => p.id)).toContain('duo');
    const bad = await api.call('PUT', '/v1/admin/joint-products/bad', {
      key: api.adminKey,
      body: { name: 'Bad', price: 100, areas: [{ areaId: 'ja', slotId: 'day', shareBps: 5000 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('joint_shares_invalid');
    const slot = await api.call('PUT', '/v1/admin/joint-products/bad', {
      key: api.adminKey,
      body: { name: 'Bad', price: 100, areas: [{ areaId: 'ja', slotId: 'nope', shareBps: 10_000 }] },
    });
    expect(slot.body.code).toBe('joint_leg_unknown');
    const anon = await api.call('PUT', '/v1/admin/joint-products/duo', { body: {} });
    expect(anon.status).toBe(401);
  });

  it('buys one joint ticket, enters each area once; a second entry at the same area is refused', async () => {
    const { order, tickets } = await buyAndPay(api, {
      jointProductId: 'duo',
      date: TODAY,
      channelId: 'trip',
      contactPhone: '13912345678',
      visitors: [visitor()],
    });
    expect(order.amountTotal).toBe(20_000);
    expect(tickets.map((t) => t.areaId).sort()).toEqual(['ja', 'jb']);
    expect(tickets.reduce((s, t) => s + (t.price as number), 0)).toBe(20_000);
    for (const areaId of ['ja', 'jb']) {
      const snap = await api.platform.inventory.snapshot(areaId, TODAY);
      expect(snap.used).toBe(1);
    }
    const at = (a: string) => tickets.find((t) => t.areaId === a)!.id as string;

    // the area-B ticket is not valid at area A
    expect((await enter('ja', at('jb'))).admit).toBe(false);
    expect((await enter('ja', at('ja'))).admit).toBe(true);
    const again = await enter('ja', at('ja'));
    expect(again.admit).toBe(false);
    expect(again.reason).not.toBe('ok');
    expect((await enter('jb', at('jb'))).admit).toBe(true);

    // the ledger counts the entry once per area
    const used = await api.platform
      .db('tickets')
      .where({ order_id: order.id as string })
      .select('area_id', 'entries_used')
      .orderBy('area_id');
    expect(used).toEqual([
      { area_id: 'ja', entries_used: 1 },
      { area_id: 'jb', entries_used: 1 },
    ]);
    const scans = await api.platform
      .db('checkin_scans')
      .whereIn('ticket_id', [at('ja'), at('jb')])
      .where({ counted: true, direction: 'in' })
      .select('area_id');
    expect(scans.map((s) => s.area_id).sort()).toEqual(['ja', 'jb']);
  });

  it('refunds a joint order: every area gets its stock back, the money in full', async () => {
    const before = await Promise.all(['ja', 'jb'].map((a) => api.platform.inventory.snapshot(a, TODAY)));
    const { order, token } = await buyAndPay(api, {
      jointProductId: 'duo',
      date: TODAY,
      channelId: 'trip',
      visitors: [visitor(), visitor()],
    });
    const refund = await api.call('POST', `/v1/orders/${order.id as string}/refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { reason: 'illness' },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((refund.body.refund as Body).amount).toBe(40_000);
    const after = await Promise.all(['ja', 'jb'].map((a) => api.platform.inventory.snapshot(a, TODAY)));
    expect(after.map((s) => s.used)).toEqual(before.map((s) => s.used));
  });

  it('settlement: statements per party for sales, refunds and commission sum to the money taken', async () => {
    const res = await api.call('GET', `/v1/admin/settlement?from=${TODAY}&to=${TODAY}`, {
      key: api.adminKey,
    });
    expect(res.status).toBe(200);
    const parties = res.body.parties as { party: string; sales: number; refunds: number; total: number }[];
    const totals = res.body.totals as { sales: number; refunds: number; taken: number; commission: number };
    // sales 20 000 + 40 000, the second refunded in full; commission 8 %
    expect(totals).toEqual({ sales: 60_000, refunds: 40_000, taken: 20_000, commission: 1_600 });
    const by = Object.fromEntries(parties.map((p) => [p.party, p]));
    expect(by['channel:trip']).toMatchObject({ sales: 4_800, refunds: -3_200, total: 1_600 });
    // net 18 400 of the kept sale: areas 35 % each of the net share (7000 bps split in two), hotel 30 %
    expect(by['area:ja']!.total + by['area:jb']!.total + by['supplier:lakeside-inn']!.total).toBe(18_400);
    expect(by['supplier:lakeside-inn']).toMatchObject({ total: 5_520 });
    expect(parties.reduce((s, p) => s + p.total, 0)).toBe(totals.taken);
    // the money taken as the payments and refunds tables have it
    const paid = await api.platform
      .db('payments')
      .whereIn('status', ['succeeded', 'refunded'])
      .sum({ s: 'amount' });
    const back = await api.platform.db('refunds').whereNot({ status: 'failed' }).sum({ s: 'amount' });
    expect(Number(paid[0]!.s) - Number(back[0]!.s)).toBe(totals.taken);

    const csv = await fetch(`${api.url}/v1/admin/settlement?from=${TODAY}&to=${TODAY}&format=csv`, {
      headers: { authorization: `Bearer ${api.adminKey}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('party,role,sales_fen,refunds_fen,total_fen,events');
    expect(rows.at(-1)).toBe('total,,60000,-40000,20000,');
    const bad = await api.call('GET', `/v1/admin/settlement?from=nope&to=${TODAY}`, { key: api.adminKey });
    expect(bad.status).toBe(400);
  });

  it("the daily report counts joint tickets per area, at the order's own area and the others", async () => {
    for (const areaId of ['ja', 'jb']) {
      const res = await api.call('GET', `/v1/admin/reports/${areaId}/${TODAY}.json`, { key: api.adminKey });
      expect(res.status).toBe(200);
      // 3 tickets at each area (1 + 2 visitors), 10 000 fen each (the areas' equal shares), 2 refunded;
      // one entered at each area, counted once though the second scan was tried
      expect(res.body.joint).toEqual({
        sales: [{ product: 'duo', tickets: 3, amount: 30_000, refunded: 2 }],
        entries: [{ product: 'duo', entries: 1 }],
      });
      const csv = await fetch(`${api.url}/v1/admin/reports/${areaId}/${TODAY}.csv`, {
        headers: { authorization: `Bearer ${api.adminKey}` },
      });
      const rows = (await csv.text()).split('\r\n');
      expect(rows).toContain('joint_sales,duo,,tickets,3');
      expect(rows).toContain('joint_entries,duo,,entries,1');
    }
  });
});
