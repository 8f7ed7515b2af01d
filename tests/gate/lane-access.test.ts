import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { AgentProcess, agentEnv } from './agent-process.js';
import { issueOrder, registerGate, seedArea, startGateApi, type AreaFixture } from './fixtures.js';

const TURNSTILE = 't'.repeat(40);
const HANDHELD = 'h'.repeat(40);

/** One request to the agent's lane API, with the headers a LAN client chooses (Host included). */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Issue 17 item 2: the gate's lane API is on the entrance LAN. Without a credential a LAN
 * client could post exits until the in-park count is 0, burn a visitor's ticket by ID
 * number and learn whether an ID number has a ticket today; a page on a rebound DNS name
 * could do the same from a browser. The agent asks every lane device for its token and
 * answers only to its own Host.
 */
describe('17.2 the lane API answers lane devices only', () => {
  const pg = usePostgres();
  const dir = mkdtempSync('/var/tmp/scenic-gate-lanes-');
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let agent: AgentProcess;
  let fx: AreaFixture;

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    const { credential } = await registerGate(pg.db, fx, 'east-lanes', 'east');
    const tokens = join(dir, 'lane-tokens');
    writeFileSync(tokens, `# lane token\nlane-1 ${TURNSTILE}\nhandheld-1 ${HANDHELD}\n`);
    agent = new AgentProcess(
      'lanes',
      agentEnv(api.url, credential, join(dir, 'j.sqlite'), {
        SCENIC_GATE_LANE_TOKENS_FILE: tokens,
        SCENIC_GATE_ALLOWED_HOSTS: 'gate-east.park.lan',
      }),
    );
    await agent.start(60_000);
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lane = { authorization: `Bearer ${TURNSTILE}` };

  it('17.2 refuses scans, exits and health without a lane token, and counts none of them', async () => {
    await expect
      .poll(async () => (await call(agent.port, 'GET', '/health', lane)).json.ready, { timeout: 30_000 })
      .toBe(true);
    const listed = Number((await call(agent.port, 'GET', '/health', lane)).json.manifestTickets);
    const [t] = await issueOrder(pg.db, fx);
    // the ticket in the gate's manifest first: this test is about lane tokens, not fresh tickets (17.12)
    await expect
      .poll(async () => Number((await call(agent.port, 'GET', '/health', lane)).json.manifestTickets), {
        timeout: 15_000,
      })
      .toBeGreaterThan(listed);
    const before = (await call(agent.port, 'GET', '/health', lane)).json.inPark;
    const anonymous = [
      await call(agent.port, 'POST', '/scan', {}, { direction: 'out' }),
      await call(agent.port, 'POST', '/scan', { authorization: 'Bearer nope' }, { direction: 'out' }),
      await call(agent.port, 'POST', '/scan', {}, { idNumber: t!.idNumber }),
      await call(agent.port, 'GET', '/health'),
    ];
    expect(anonymous.map((r) => [r.status, r.json.code])).toEqual(
      Array(4).fill([401, 'lane_token_required']),
    );
    expect((await call(agent.port, 'GET', '/health', lane)).json.inPark).toBe(before);
    // the visitor's ticket is still good: nobody burnt it
    const own = await call(agent.port, 'POST', '/scan', lane, { qr: t!.code });
    expect(own).toMatchObject({ status: 200, json: { open: true, reason: 'ok' } });
    const other = await call(
      agent.port,
      'POST',
      '/scan',
      { authorization: `Bearer ${HANDHELD}` },
      {
        direction: 'out',
        qr: t!.code,
      },
    );
    expect(other).toMatchObject({ status: 200, json: { open: true } });
  });

  it('17.2 answers only to its own Host (a rebound DNS name is refused, even with a token)', async () => {
    const rebound = await call(agent.port, 'GET', '/health', { ...lane, host: 'attacker.example:8090' });
    expect([rebound.status, rebound.json.code]).toEqual([421, 'gate_host_refused']);
    for (const host of ['gate-east.park.lan:8090', '10.1.2.3:8090', '[::1]:8090', 'localhost'])
      expect((await call(agent.port, 'GET', '/health', { ...lane, host })).status, host).toBe(200);
    // the kubelet's probes need no token
    expect((await call(agent.port, 'GET', '/healthz')).status).toBe(200);
  });
});
