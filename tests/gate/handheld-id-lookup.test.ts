import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { addDays } from '../../core/time.js';
import { AgentProcess, agentEnv } from './agent-process.js';
import { LinkProxy } from './link-proxy.js';
import { issueOrder, registerGate, seedArea, startGateApi, today, type AreaFixture } from './fixtures.js';

/**
 * Issue 17 item 5, the other half: handhelds hold no ID-number hashes (a lost one must not
 * yield the day's ID numbers), so an ID card at a handheld is looked up online: the
 * handheld asks the centre with its device credential, one number at a time, rate-limited
 * per device, and hears only today's tickets of its own area that the number holds. Offline
 * the card is refused with a reason that says so.
 */
describe('17.5 online ID lookup for handhelds', () => {
  const pg = usePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'scenic-id-lookup-'));
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let link: LinkProxy;
  const cred: Record<string, string> = {};
  const procs: AgentProcess[] = [];
  const lookup = async (gate: string, idNumber: unknown) => {
    const r = await fetch(`${api.url}/id-lookup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cred[gate]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ idNumber }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault, undefined, { idLookupLimits: { perMinute: 8, perHour: 100 } });
    link = await new LinkProxy(Number(new URL(api.url).port)).start();
    cred.turnstile = (await registerGate(pg.db, fx, 'id-t', 'east', 'turnstile')).credential;
    cred.handheld = (await registerGate(pg.db, fx, 'id-h', 'east', 'handheld')).credential;
    cred.limited = (await registerGate(pg.db, fx, 'id-l', 'east', 'handheld')).credential;
  });
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await link?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('17.5 the centre answers a handheld with today’s tickets of its area the number holds, and nothing else', async () => {
    const [t] = await issueOrder(pg.db, fx, { count: 1 });
    const [tomorrow] = await issueOrder(pg.db, fx, { count: 1, date: addDays(today(), 1) });
    const r = await lookup('handheld', ` ${t!.idNumber.toLowerCase()} `);
    expect(r).toEqual({ status: 200, body: { tickets: [t!.ticketId] } });
    // another day's ticket, an unknown number: nothing
    expect((await lookup('handheld', tomorrow!.idNumber)).body).toEqual({ tickets: [] });
    expect((await lookup('handheld', '110105194912310029')).body).toEqual({ tickets: [] });
    // turnstiles hold today's hashes; the lookup is not theirs
    expect((await lookup('turnstile', t!.idNumber)).body).toMatchObject({
      status: 403,
      code: 'id_lookup_handheld_only',
    });
    expect((await lookup('handheld', 'x')).status).toBe(400);
    const anonymous = await fetch(`${api.url}/id-lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ idNumber: t!.idNumber }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('17.5 the lookups are rate-limited per handheld', async () => {
    const [t] = await issueOrder(pg.db, fx, { count: 1 });
    const answers: number[] = [];
    for (let i = 0; i < 9; i++) answers.push((await lookup('limited', t!.idNumber)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    expect((await lookup('limited', t!.idNumber)).body).toMatchObject({ status: 429, code: 'rate_limited' });
    // another handheld has its own budget
    expect((await lookup('handheld', t!.idNumber)).status).toBe(200);
  });

  it('17.5 a handheld looks an ID number up online and admits it; offline it refuses the card with a clear reason', async () => {
    const [t, u] = await issueOrder(pg.db, fx, { count: 2 });
    const env = agentEnv(`http://127.0.0.1:${link.port}/gate/v1`, cred.handheld!, join(dir, 'h.db'));
    const agent = await new AgentProcess('id-h', env).start();
    procs.push(agent);
    await agent.waitFor((h) => h.ready && h.online && h.manifestTickets >= 2, 'first sync');

    const ok = await agent.scan({ idNumber: t!.idNumber });
    expect(ok).toMatchObject({ open: true, reason: 'ok', ticketId: t!.ticketId });
    expect(await agent.scan({ idNumber: t!.idNumber })).toMatchObject({
      open: false,
      reason: 'already_redeemed',
    });
    expect(await agent.scan({ idNumber: '110105194912310029' })).toMatchObject({
      open: false,
      reason: 'unknown_ticket',
    });

    link.cut();
    await agent.waitFor((h) => !h.online, 'link loss noticed');
    const off = await agent.scan({ idNumber: u!.idNumber });
    expect(off).toMatchObject({ open: false, reason: 'id_lookup_offline' });
    expect(off.display).toContain('QR');
    link.restore();
    await agent.waitFor((h) => h.online, 'back online');
    expect(await agent.scan({ idNumber: u!.idNumber })).toMatchObject({ open: true, ticketId: u!.ticketId });
  });
});
