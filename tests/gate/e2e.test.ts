import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localTime } from '../../core/time.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { AgentProcess, agentEnv } from './agent-process.js';

type Body = Record<string, unknown>;

/**
 * The whole path with the real API application (api/app.ts as deployed, with the gate
 * router where it mounts it) and the order lifecycle: buy and pay over HTTP, admit at a gate agent
 * process, refund over HTTP, refused at the gate after its next sync.
 */
describe('gate agent against the real API', () => {
  const api = useApi({ app: { rateLimits: false } }); // api/app.ts mounts the gate API at /gate/v1 itself
  const dir = mkdtempSync(join(tmpdir(), 'scenic-gate-e2e-'));
  let agent: AgentProcess;
  const today = localTime(new Date(), 'Asia/Shanghai').date;

  beforeAll(async () => {
    await api.seed(
      demoArea({ id: 'e2e', slots: [{ id: 'all', startsAt: '00:00', endsAt: '23:59', capacity: 100 }] }),
    );
    await api.platform.keys(); // the first signing key is created on first use
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'e2e-north', areaId: 'e2e', entranceId: 'north-gate', kind: 'turnstile' },
      api.platform.clock,
    );
    agent = await new AgentProcess(
      'e2e',
      agentEnv(`${api.url}/gate/v1`, credential, join(dir, 'j.db'), { SCENIC_GATE_ALLOWED_ORIGINS: api.url }),
    ).start();
    await agent.waitFor((h) => h.ready && h.online, 'first sync');
  });
  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until the agent has seen every change of today's tickets of the area. */
  const caughtUp = async () => {
    const c = (await api.platform
      .db('ticket_changes')
      .where({ area_id: 'e2e', visit_date: today })
      .max<{ m: number }>('seq as m')
      .first())!.m;
    await agent.waitFor((h) => h.changesSeen >= c, `change ${c}`);
  };

  const buy = async (date: string, seq: number) => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'e2e',
        date,
        slotId: 'all',
        items: [{ productId: 'adult', visitors: [{ name: '王五', idNumber: residentId('19920101', seq) }] }],
        contactPhone: '13812345678',
      },
    });
    expect(o.status).toBe(201);
    const token = o.body.accessToken as string;
    expect(
      (
        await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
          headers: { 'x-order-token': token },
        })
      ).status,
    ).toBe(201);
    expect((await api.pay(o.body.id as string)).at(-1)?.status).toBe(204);
    return { id: o.body.id as string, token };
  };
  const ticketsOf = async (o: { id: string; token: string }) =>
    (await api.call('GET', `/v1/orders/${o.id}`, { headers: { 'x-order-token': o.token } })).body
      .tickets as Body[];

  it('refuses the old code of a rescheduled order, and the new one on the wrong day', async () => {
    const o = await buy(today, 31);
    const [old] = await ticketsOf(o);
    const tomorrow = localTime(new Date(Date.now() + 86_400_000), 'Asia/Shanghai').date;
    const r = await api.call('POST', `/v1/orders/${o.id}/reschedule`, {
      headers: { 'x-order-token': o.token, 'idempotency-key': randomUUID() },
      body: { date: tomorrow, slotId: 'all' },
    });
    expect(r.status).toBe(200);
    const after = await ticketsOf(o);
    const fresh = after.find((t) => t.id !== old!.id && t.status === 'valid');
    expect(after.find((t) => t.id === old!.id)?.status).toBe('rescheduled');
    await caughtUp();
    expect(await agent.scan({ qr: old!.code })).toMatchObject({ open: false, reason: 'revoked' });
    expect(await agent.scan({ qr: fresh!.code })).toMatchObject({ open: false, reason: 'wrong_date' });
  });

  it('admits a ticket bought over HTTP, refuses it after a refund, and keeps the journal flowing', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'e2e',
        date: today,
        slotId: 'all',
        items: [
          {
            productId: 'adult',
            visitors: [
              { name: '张三', idNumber: residentId('19900307', 11) },
              { name: '李四', idNumber: residentId('19850101', 12) },
            ],
          },
        ],
        contactPhone: '13812345678',
      },
    });
    expect(o.status).toBe(201);
    const token = o.body.accessToken as string;
    expect(
      (
        await api.call('POST', `/v1/orders/${o.body.id as string}/payments`, {
          headers: { 'x-order-token': token },
        })
      ).status,
    ).toBe(201);
    expect((await api.pay(o.body.id as string)).at(-1)?.status).toBe(204);
    const issued = (
      await api.call('GET', `/v1/orders/${o.body.id as string}`, { headers: { 'x-order-token': token } })
    ).body;
    const [first, second] = issued.tickets as Body[];
    expect(first!.code).toMatch(/^SC1\./);

    expect(await agent.scan({ qr: first!.code })).toMatchObject({ open: true, mode: 'online' });
    const refund = await api.call('POST', `/v1/orders/${o.body.id as string}/refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { ticketIds: [second!.id], reason: 'change_of_plans' },
    });
    expect(refund.status).toBe(201);
    await caughtUp();
    expect(await agent.scan({ qr: second!.code })).toMatchObject({ open: false, reason: 'revoked' });
    await agent.waitFor((h) => h.journalBacklog === 0, 'journal synced');
    const scans = await api.platform
      .db('checkin_scans')
      .where({ gate_id: 'e2e-north' })
      .whereIn('ticket_id', [first!.id as string, second!.id as string])
      .orderBy('scanned_at')
      .select<{ ticket_id: string; decision: string; reason: string }[]>('ticket_id', 'decision', 'reason');
    expect(scans).toEqual([
      { ticket_id: first!.id, decision: 'admit', reason: 'ok' },
      { ticket_id: second!.id, decision: 'deny', reason: 'revoked' },
    ]);
  });
});

describe('gate agent CORS for the staff page', () => {
  const api = useApi({ app: { rateLimits: false } });
  const dir = mkdtempSync(join(tmpdir(), 'scenic-gate-cors-'));
  let agent: AgentProcess;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'cors' }));
    await api.platform.keys();
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'cors-north', areaId: 'cors', entranceId: 'north-gate', kind: 'handheld' },
      api.platform.clock,
    );
    agent = await new AgentProcess(
      'cors',
      agentEnv(`${api.url}/gate/v1`, credential, join(dir, 'j.db'), { SCENIC_GATE_ALLOWED_ORIGINS: api.url }),
    ).start();
  });
  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the API origin call the agent from a browser, and no other origin', async () => {
    const pre = await fetch(`http://127.0.0.1:${agent.port}/scan`, {
      method: 'OPTIONS',
      headers: { origin: api.url, 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(api.url);
    const other = await fetch(`http://127.0.0.1:${agent.port}/health`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await fetch(`http://127.0.0.1:${agent.port}/health`, { headers: { origin: api.url } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(api.url);
  });

  it('refuses a scan a page of any origin could send without asking (not JSON), before deciding anything', async () => {
    const journaled = () => {
      const db = new Database(join(dir, 'j.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('select count(*) as n from journal').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = journaled();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`http://127.0.0.1:${agent.port}/scan`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', ...(type ? { 'content-type': type } : {}) },
        body: '{"direction":"out"}',
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { code: string }).code).toBe('unsupported_media_type');
    }
    expect(journaled()).toBe(before); // nothing journaled: no exit was counted
  });
});
