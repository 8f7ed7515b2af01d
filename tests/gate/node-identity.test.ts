import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { listDoubleEntries } from '../../core/checkin/ledger.js';
import { AgentProcess, agentEnv } from './agent-process.js';
import { LinkProxy } from './link-proxy.js';
import { issueOrder, registerGate, seedArea, startGateApi, type AreaFixture } from './fixtures.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The DaemonSet pod's user (operator/area/gate-daemonset.ts). */
const AGENT = { uid: 1000, gid: 1000 };

/**
 * Issue 17 item 3: one gate identity per node. Two nodes of one entrance are two agents with
 * credentials of their own (the entrance's Secret has a key per node), so the centre and the
 * ledger tell them apart; and the node's journal directory, which the kubelet creates
 * root-owned, is given to the agent's user before the agent starts.
 */
describe('one gate identity per node, and a journal the agent can write', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  // under /var/tmp, traversable by the agent's user (a mkdtemp directory is 0700 root)
  const base = mkdtempSync('/var/tmp/scenic-gate-node-');
  chmodSync(base, 0o755);
  const links: LinkProxy[] = [];
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(links.map((l) => l.close()));
    await api?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('17.3 the init step gives a root-owned journal directory to the agent, which then journals as uid 1000', async () => {
    const dir = join(base, 'hostpath');
    mkdirSync(dir, { mode: 0o755 }); // as the kubelet's DirectoryOrCreate leaves it: root, 0755
    const { stderr } = await run(
      process.execPath,
      ['bin/scenic.mjs', 'gate', 'prepare-journal', '--dir', dir, '--owner', `${AGENT.uid}:${AGENT.gid}`],
      { cwd: ROOT },
    );
    expect(stderr).toContain('owned by 1000:1000');
    const st = statSync(dir);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([AGENT.uid, AGENT.gid, 0o700]);
    const { credential } = await registerGate(pg.db, fx, 'east-node-0', 'east');
    const agent = new AgentProcess('node-0', agentEnv(api.url, credential, join(dir, 'j.sqlite')), AGENT);
    agents.push(agent);
    await agent.start(60_000);
    await agent.waitFor((h) => h.ready && h.online, 'first sync');
    const j = statSync(join(dir, 'j.sqlite'));
    expect([j.uid, j.mode & 0o077]).toEqual([AGENT.uid, 0]); // the agent's, readable by nobody else
  });

  it('17.3 two nodes of one entrance are two identities: offline doubles are flagged with both, online they see each other', async () => {
    const apiPort = Number(new URL(api.url).port);
    const nodes = await Promise.all(
      ['node-1', 'node-2'].map(async (node, i) => {
        const { credential } = await registerGate(pg.db, fx, `east-${node}`, 'east');
        const link = await new LinkProxy(apiPort).start();
        links.push(link);
        const agent = new AgentProcess(
          node,
          agentEnv(`http://127.0.0.1:${link.port}/gate/v1`, credential, join(base, `${i}.sqlite`)),
        );
        agents.push(agent);
        return { link, agent };
      }),
    );
    const [t, u] = await issueOrder(pg.db, fx, { count: 2 });
    await Promise.all(nodes.map((n) => n.agent.start(60_000)));
    await Promise.all(
      nodes.map((n) => n.agent.waitFor((h) => h.online && h.manifestTickets >= 2, 'manifest')),
    );
    for (const n of nodes) n.link.cut();
    await Promise.all(nodes.map((n) => n.agent.waitFor((h) => !h.online, 'link loss noticed')));
    const [a, b] = [await nodes[0]!.agent.scan({ qr: t!.code }), await nodes[1]!.agent.scan({ qr: t!.code })];
    expect([a.open, b.open]).toEqual([true, true]); // two boxes without a link cannot know
    for (const n of nodes) n.link.restore();
    await Promise.all(nodes.map((n) => n.agent.waitFor((h) => h.online && h.journalBacklog === 0, 'synced')));
    const flag = (await listDoubleEntries(pg.db, fx.areaId)).find((f) => f.ticketId === t!.ticketId);
    expect(flag).toMatchObject({ gateIds: ['east-node-1', 'east-node-2'], status: 'open' });
    // online, each node learns the other's entries through the change feed
    expect(await nodes[0]!.agent.scan({ qr: u!.code })).toMatchObject({ open: true });
    const cursor =
      (
        await pg
          .db('ticket_changes')
          .where({ ticket_id: u!.ticketId })
          .max<{ m: number | null }>('seq as m')
          .first()
      )?.m ?? 0;
    await nodes[1]!.agent.waitFor((h) => h.online && h.changesSeen >= cursor, 'the other node’s entry');
    for (const n of nodes) n.link.cut();
    await Promise.all(nodes.map((n) => n.agent.waitFor((h) => !h.online, 'link loss noticed')));
    expect(await nodes[1]!.agent.scan({ qr: u!.code })).toMatchObject({
      open: false,
      reason: 'already_redeemed',
    });
    for (const n of nodes) n.link.restore();
  });
});
