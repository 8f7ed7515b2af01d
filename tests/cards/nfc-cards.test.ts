import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentId, useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { createLogger } from '../../core/log.js';
import { systemClock } from '../../core/clock.js';
import { localParts } from '../../core/time.js';
import { GateAgent } from '../../gate/agent.js';
import { CentralClient } from '../../gate/central.js';
import { Journal } from '../../gate/journal.js';

/**
 * Issue 18: an NFC/IC card is bound to a ticket at the box office (or the console's
 * desk), the gate admits the ticket by a tap of the card, and a refund takes the card off
 * (a tap then opens nothing). Through the HTTP API and a real gate agent on the real
 * gate API.
 */
const DAY = [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }];
const today = () => localParts(new Date(), 'Asia/Shanghai').date;
const dir = mkdtempSync(join(tmpdir(), 'scenic-cards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NFC/IC cards', () => {
  const api = useApi({ app: { rateLimits: false } });
  let boxKey: string;
  let agent: GateAgent;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'nfc', slots: DAY, quotas: [], priceRules: [] }));
    boxKey = await api.key('box-office', 'box-office', { areas: ['nfc'] });
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'nfc-gate', areaId: 'nfc', entranceId: 'north-gate', kind: 'turnstile' },
      systemClock,
    );
    agent = new GateAgent({
      journal: new Journal(join(dir, 'gate.db')),
      central: new CentralClient(`${api.url}/gate/v1`, credential, 5000),
      clock: systemClock,
      log: createLogger('nfc-gate', 'silent'),
      precheck: false,
      precheckBudgetMs: 150,
      refreshIntervalMs: 60_000,
    });
  });

  async function sale(seq: number) {
    const s = await api.call('POST', '/v1/box-office/sales', {
      key: boxKey,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'nfc',
        date: today(),
        slotId: 'day',
        items: [{ productId: 'adult', visitors: [{ name: '吴九', idNumber: residentId('19850505', seq) }] }],
        payment: { method: 'cash', tendered: 100_00 },
      },
    });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    const o = s.body.order as { id: string; tickets: { id: string }[] };
    return { orderId: o.id, ticketId: o.tickets[0]!.id };
  }
  const card = (
    method: 'POST' | 'DELETE',
    orderId: string,
    ticketId: string,
    cardUid?: string,
    key = boxKey,
  ) =>
    api.call(method, `/v1/box-office/orders/${orderId}/tickets/${ticketId}/card`, {
      key,
      ...(cardUid ? { body: { cardUid } } : {}),
    });

  it('binds a card at the box office, the gate admits by it, a refund unbinds it', async () => {
    const a = await sale(1);
    const bound = await card('POST', a.orderId, a.ticketId, '04:A2:19:FF:01');
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(bound.body).toEqual({ ticketId: a.ticketId, card: '••••FF01' });
    expect((await api.platform.db('tickets').where({ id: a.ticketId }).first())?.card_uid).toBe('04A219FF01');
    const audit = await api.platform
      .db('audit_log')
      .where({ action: 'scenic.ticket.card_bound', subject: a.orderId });
    expect(JSON.stringify(audit)).not.toContain('04A219FF01'); // masked in the trail

    // the same card cannot open a second valid ticket of the area
    const b = await sale(2);
    const twice = await card('POST', b.orderId, b.ticketId, '04a219ff01');
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('card_in_use');

    await agent.sync();
    expect(agent.online).toBe(true);
    expect(await agent.scan({ cardUid: '04a219ff01', direction: 'in' })).toMatchObject({
      open: true,
      ticketId: a.ticketId,
    });

    // b: bound, then refunded at the window → the card is off and the gate no longer knows it
    const bCard = await card('POST', b.orderId, b.ticketId, 'DE:AD:BE:EF');
    expect(bCard.status).toBe(200);
    const refund = await api.call('POST', `/v1/box-office/orders/${b.orderId}/refunds`, {
      key: boxKey,
      headers: { 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((await api.platform.db('tickets').where({ id: b.ticketId }).first())?.card_uid).toBeNull();
    await agent.sync();
    expect(await agent.scan({ cardUid: 'DEADBEEF', direction: 'in' })).toMatchObject({ open: false });
    // and the card is free for another ticket
    const c = await sale(3);
    expect((await card('POST', c.orderId, c.ticketId, 'DEADBEEF')).status).toBe(200);
  });

  it('unbinds on request, refuses a bad UID, and only within the key’s areas', async () => {
    const a = await sale(4);
    expect((await card('POST', a.orderId, a.ticketId, 'zz')).status).toBe(400);
    expect((await card('POST', a.orderId, a.ticketId, 'CAFEBABE')).status).toBe(200);
    const off = await card('DELETE', a.orderId, a.ticketId);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ ticketId: a.ticketId, card: null });
    expect((await card('DELETE', a.orderId, a.ticketId)).body.code).toBe('no_card_bound');
    const elsewhere = await api.key('box-office', 'box-office', { areas: ['west-lake'] });
    const refused = await card('POST', a.orderId, a.ticketId, 'CAFEBABE', elsewhere);
    expect(refused.status).toBe(404);
    // the console's desk binds too
    const desk = await api.key('customer-service', undefined, { areas: ['nfc'] });
    const viaDesk = await api.call('POST', `/v1/cs/orders/${a.orderId}/tickets/${a.ticketId}/card`, {
      key: desk,
      body: { cardUid: 'CAFEBABE' },
    });
    expect(viaDesk.status, JSON.stringify(viaDesk.body)).toBe(200);
  });
});
