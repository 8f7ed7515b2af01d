import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import type { ScanResult } from '../../gate/agent.js';
import { Journal, journalKeyFrom } from '../../gate/journal.js';
import { manifestKeyFor } from '../../core/checkin/manifest.js';
import { manifestIdHash } from '../../core/checkin/id-hash.js';
import { AgentProcess, agentEnv } from './agent-process.js';
import { LinkProxy } from './link-proxy.js';
import {
  issueOrder,
  registerGate,
  seedArea,
  startGateApi,
  today,
  type AreaFixture,
  type IssuedTicket,
} from './fixtures.js';

/** `kill -9` right after the gate opened: nothing the turnstile was told is lost. */
describe('gate journal durability', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let link: LinkProxy;
  let env: Record<string, string>;
  let credential: string;
  const dir = mkdtempSync(join(tmpdir(), 'scenic-gate-kill-'));
  const journalPath = join(dir, 'k.db');
  const procs: AgentProcess[] = [];

  const startAgent = async () => {
    const a = await new AgentProcess(`k${procs.length}`, env).start();
    procs.push(a);
    return a;
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    link = await new LinkProxy(Number(new URL(api.url).port)).start();
    ({ credential } = await registerGate(pg.db, fx, 'gate-k', 'east'));
    env = agentEnv(`http://127.0.0.1:${link.port}/gate/v1`, credential, journalPath);
  });
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await link?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every answered decision across kill -9, restores state offline, and uploads it later', async () => {
    const tickets: IssuedTicket[] = await issueOrder(pg.db, fx, { count: 40 });
    const first = await startAgent();
    await first.waitFor((h) => h.ready && h.online && h.manifestTickets >= 40, 'first sync');
    link.cut();
    await first.waitFor((h) => !h.online, 'link loss noticed');

    // 40 scans in flight at once; kill -9 the moment the 25th answer arrives.
    const answered: ScanResult[] = [];
    let killed: Promise<void> | undefined;
    await Promise.allSettled(
      tickets.map(async (t) => {
        const r = await first.scan({ qr: t.code });
        if (killed) return; // answered after the kill was decided: not counted
        answered.push(r);
        if (answered.length === 25) killed = first.kill9();
      }),
    );
    await killed;
    expect(answered.length).toBeGreaterThanOrEqual(25);
    expect(answered.every((r) => r.open)).toBe(true);

    // 17.5: the real agent's files (database, WAL, shared memory) as a thief would copy them
    // name no ticket, order, visitor, ID number or ID hash of the day's manifest
    const bytes = ['', '-wal', '-shm']
      .map((x) => {
        try {
          return readFileSync(journalPath + x).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('\n');
    const dayKey = manifestKeyFor(fx.vault, fx.areaId, today());
    expect(bytes).not.toContain(Buffer.from('张三').toString('latin1'));
    for (const t of tickets)
      for (const secret of [t.ticketId, t.orderId, t.idNumber, manifestIdHash(dayKey, t.idNumber)])
        expect(bytes).not.toContain(secret);

    // the file read back under the device's key (its rows are sealed at rest, 17.5): every
    // answered decision is there, unsynced
    const file = new Journal(journalPath, journalKeyFrom(credential));
    const rows = file.unsynced(1_000);
    expect(file.count()).toBe(rows.length);
    file.close();
    const byScan = new Map(rows.map((r) => [r.scanId, r]));
    for (const r of answered)
      expect(byScan.get(r.scanId), r.scanId).toMatchObject({ decision: 'admit', ticketId: r.ticketId });
    expect(new Set(rows.map((r) => r.scanId)).size).toBe(rows.length);

    // Restarted with the link still down: keys, rules, manifest and its own entries come from the file.
    const second = await startAgent();
    await second.waitFor((h) => h.ready, 'ready from the journal');
    expect((await second.health()).online).toBe(false);
    const again = await second.scan({ qr: tickets.find((t) => t.ticketId === answered[0]!.ticketId)!.code });
    expect(again).toMatchObject({ open: false, reason: 'already_redeemed', mode: 'offline' });

    link.restore();
    await second.waitFor((h) => h.online && h.journalBacklog === 0, 'journal uploaded');
    const stored = await pg
      .db('checkin_scans')
      .whereIn(
        'scan_id',
        answered.map((r) => r.scanId),
      )
      .select<{ scan_id: string; decision: string }[]>('scan_id', 'decision');
    expect(stored).toHaveLength(answered.length);
    expect(stored.every((s) => s.decision === 'admit')).toBe(true);
    expect(
      await pg.db('checkin_flags').whereIn(
        'ticket_id',
        tickets.map((t) => t.ticketId),
      ),
    ).toHaveLength(0);
    await second.stop();
  });
});
