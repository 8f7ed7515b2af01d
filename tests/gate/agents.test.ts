import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { listDoubleEntries } from '../../core/checkin/ledger.js';
import { localTime } from '../../core/time.js';
import { TOKEN_PREFIX } from '../../core/tickets/token.js';
import { AgentProcess, agentEnv } from './agent-process.js';
import { LinkProxy } from './link-proxy.js';
import {
  issueOrder,
  refundTicket,
  registerGate,
  seedArea,
  startGateApi,
  today,
  TZ,
  type AreaFixture,
} from './fixtures.js';

const METRICS_TOKEN = 'gate-metrics-token-0123456789';

/**
 * Three gate agents of one area as real processes, each behind its own link (a TCP
 * proxy) to the real API on Postgres. Cutting a link is cutting the TCP path.
 */
describe('gate agents, online and offline', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  const dir = mkdtempSync(join(tmpdir(), 'scenic-gate-'));
  const links: Record<string, LinkProxy> = {};
  const agents: Record<string, AgentProcess> = {};
  const gates = [
    ['a', 'east', 'turnstile'],
    ['b', 'west', 'turnstile'],
    ['c', 'north', 'turnstile'],
    ['h', 'east', 'handheld'],
  ] as const;

  /** The newest change of today's tickets of the area: what a gate follows. */
  const serverCursor = async () =>
    (
      await pg
        .db('ticket_changes')
        .where({ area_id: fx.areaId, visit_date: today() })
        .max<{ m: number | null }>('seq as m')
        .first()
    )?.m ?? 0;
  const synced = (name: string) =>
    agents[name]!.waitFor((h) => h.online && h.journalBacklog === 0, 'journal synced');
  const caughtUp = async (name: string) => {
    const c = await serverCursor();
    return agents[name]!.waitFor((h) => h.online && h.changesSeen >= c, `change ${c}`);
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db, { graceBeforeMin: 0, graceAfterMin: 0 });
    api = await startGateApi(pg.db, fx.vault);
    const apiPort = Number(new URL(api.url).port);
    await Promise.all(
      gates.map(async ([name, entrance, kind]) => {
        const { credential } = await registerGate(pg.db, fx, `gate-${name}`, entrance, kind);
        links[name] = await new LinkProxy(apiPort).start();
        agents[name] = new AgentProcess(
          name,
          agentEnv(`http://127.0.0.1:${links[name].port}/gate/v1`, credential, join(dir, `${name}.db`), {
            SCENIC_METRICS_TOKEN: METRICS_TOKEN,
          }),
        );
      }),
    );
    await issueOrder(pg.db, fx, { count: 5 }); // a manifest with something in it
    await Promise.all(Object.values(agents).map((a) => a.start()));
    await Promise.all(
      Object.values(agents).map((a) =>
        a.waitFor((h) => h.ready && h.online && h.manifestDate !== null, 'first sync'),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(agents).map((a) => a.stop()));
    await Promise.all(Object.values(links).map((l) => l.close()));
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['restored in the order a, b', ['a', 'b']],
    ['restored in the order b, a', ['b', 'a']],
  ])(
    'two cut gates admit one ticket; the ledger stores both once and flags it (%s); online refuses a third',
    async (_n, order) => {
      const [t] = await issueOrder(pg.db, fx);
      // both gates must have the ticket in today's manifest: an unlisted QR is admitted only
      // online (issue 17 item 12)
      await Promise.all(['a', 'b'].map(caughtUp));
      links.a!.cut();
      links.b!.cut();
      await Promise.all(['a', 'b'].map((g) => agents[g]!.waitFor((h) => !h.online, 'link loss noticed')));
      const t0 = Date.now();
      const first = await agents.a!.scan({ qr: t!.code });
      const second = await agents.b!.scan({ qr: t!.code });
      expect(Date.now() - t0).toBeLessThan(2000);
      expect([first.open, second.open]).toEqual([true, true]);
      expect([first.mode, second.mode]).toEqual(['offline', 'offline']);
      expect(await pg.db('checkin_scans').where({ ticket_id: t!.ticketId })).toHaveLength(0);
      for (const g of order) {
        links[g]!.restore();
        await synced(g);
      }
      const rows = await pg
        .db('checkin_scans')
        .where({ ticket_id: t!.ticketId })
        .orderBy('scanned_at')
        .select<{ scan_id: string; gate_id: string; counted: boolean; over_limit: boolean }[]>(
          'scan_id',
          'gate_id',
          'counted',
          'over_limit',
        );
      expect(rows.map((r) => r.scan_id)).toEqual([first.scanId, second.scanId]);
      expect(rows.map((r) => [r.gate_id, r.counted, r.over_limit])).toEqual([
        ['gate-a', true, false],
        ['gate-b', false, true],
      ]);
      const flag = (await listDoubleEntries(pg.db, fx.areaId)).find((f) => f.ticketId === t!.ticketId);
      expect(flag).toMatchObject({
        entriesAllowed: 1,
        entriesSeen: 2,
        gateIds: ['gate-a', 'gate-b'],
        scanIds: [first.scanId, second.scanId],
        status: 'open',
      });
      expect(
        (await pg.db('tickets').where({ id: t!.ticketId }).first<{ entries_used: number }>()).entries_used,
      ).toBe(1);

      const third = await agents.c!.scan({ qr: t!.code });
      expect(third).toMatchObject({ open: false, reason: 'already_redeemed' });
      expect(third.ms).toBeLessThan(1000);
    },
  );

  it('online, a second scan at another gate is refused by the centre at once', async () => {
    const [t] = await issueOrder(pg.db, fx);
    await Promise.all([caughtUp('a'), caughtUp('c')]);
    const first = await agents.a!.scan({ qr: t!.code });
    expect(first).toMatchObject({ open: true, mode: 'online' });
    const t0 = Date.now();
    const second = await agents.c!.scan({ qr: t!.code });
    // Refused at once either way: by the centre's answer (mode online), or — when gate c's
    // change feed already brought it the first entry, which on a loaded machine can win
    // the race against this scan — by its own state (mode offline). Never admitted.
    expect(second).toMatchObject({
      open: false,
      reason: 'already_redeemed',
      display: expect.stringMatching(/already used/) as string,
    });
    expect(['online', 'offline']).toContain(second.mode);
    expect(Date.now() - t0).toBeLessThan(1_000);
    await Promise.all([synced('a'), synced('c')]);
    expect((await listDoubleEntries(pg.db, fx.areaId)).some((f) => f.ticketId === t!.ticketId)).toBe(false);
  });

  it('falls back to the offline decision within the budget when the link drops mid-flight', async () => {
    const [t] = await issueOrder(pg.db, fx);
    await caughtUp('c');
    links.c!.cut();
    const r = await agents.c!.scan({ qr: t!.code });
    links.c!.restore();
    expect(r).toMatchObject({ open: true, mode: 'offline' });
    expect(r.ms).toBeLessThan(1000 + 500);
    await synced('c');
    expect(await pg.db('checkin_scans').where({ scan_id: r.scanId, decision: 'admit' })).toHaveLength(1);
  });

  it('refuses a refunded ticket after the next sync, even with the link cut', async () => {
    const [t] = await issueOrder(pg.db, fx);
    await caughtUp('b');
    await refundTicket(pg.db, t!.ticketId);
    await caughtUp('b');
    links.b!.cut();
    try {
      expect(await agents.b!.scan({ qr: t!.code })).toMatchObject({
        open: false,
        reason: 'revoked',
        mode: 'offline',
        display: expect.stringMatching(/refunded/) as string,
      });
    } finally {
      links.b!.restore();
    }
  });

  it('refuses tickets for another date, slot or entrance with the right reason, offline as online', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const [other] = await issueOrder(pg.db, fx, { date: localTime(tomorrow, TZ).date });
    // Grace is 0: at this hour one of the two short slots is over or not started.
    const minute = localTime(new Date(), TZ).minute;
    const [slot] = await issueOrder(pg.db, fx, { slotId: minute > 60 ? 'early' : 'late' });
    const [boat] = await issueOrder(pg.db, fx, { productId: 'boat' });
    for (const cut of [false, true]) {
      if (cut) links.a!.cut();
      try {
        expect((await agents.a!.scan({ qr: other!.code })).reason).toBe('wrong_date');
        expect((await agents.a!.scan({ qr: slot!.code })).reason).toBe(
          minute > 60 ? 'too_late' : 'too_early',
        );
        expect((await agents.a!.scan({ qr: boat!.code })).reason).toBe('wrong_entrance');
      } finally {
        links.a!.restore();
      }
    }
  });

  it('refuses forged, truncated and garbage payloads without crashing', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const code = t!.code;
    const raw = Buffer.from(code.slice(TOKEN_PREFIX.length), 'base64url');
    const flipped = Buffer.from(raw);
    flipped[20] = flipped[20]! ^ 0xff; // inside the ticket id: the signature no longer matches
    const cases: [string, string][] = [
      [TOKEN_PREFIX + flipped.toString('base64url'), 'invalid_signature'],
      [code.slice(0, 60), 'malformed'],
      [
        TOKEN_PREFIX +
          Buffer.concat([raw.subarray(0, -1), Buffer.from([raw[raw.length - 1]! ^ 1])]).toString('base64url'),
        'invalid_signature',
      ],
      ['', 'malformed'],
      ['SC1.', 'malformed'],
      ['https://example.com/not-a-ticket', 'malformed'],
      [TOKEN_PREFIX + '\u0000\u0001💥'.repeat(50), 'malformed'],
      [TOKEN_PREFIX + 'A'.repeat(2000), 'malformed'],
    ];
    for (const [qr, reason] of cases)
      expect((await agents.a!.scan({ qr })).reason, qr.slice(0, 40)).toBe(reason);
    const bad = await fetch(`http://127.0.0.1:${agents.a!.port}/scan`, {
      method: 'POST',
      body: '{"qr":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    const metrics = await (
      await fetch(`http://127.0.0.1:${agents.a!.port}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
    ).text();
    expect(metrics).toMatch(
      /scenic_gate_scans_total\{direction="in",decision="deny",reason="invalid_signature"\} [1-9]/,
    );
    expect(metrics).toMatch(/scenic_gate_journal_ok 1/);
    expect((await agents.a!.health()).ready).toBe(true);
    // online again after the previous test's cut: a ticket this fresh is admitted on the centre's
    // word, since no manifest lists it yet (17.12)
    await agents.a!.waitFor((h) => h.online, 'online');
    expect(await agents.a!.scan({ qr: code })).toMatchObject({ open: true });
  });

  it('admits by resident ID card and by NFC card from the manifest, offline', async () => {
    const [byId, byCard] = await issueOrder(pg.db, fx, {
      count: 2,
      cardUids: [null as unknown as string, '04:A2:19:FF:01'],
    });
    await caughtUp('b');
    links.b!.cut();
    try {
      expect(await agents.b!.scan({ idNumber: byId!.idNumber.toLowerCase() })).toMatchObject({
        open: true,
        ticketId: byId!.ticketId,
      });
      expect(await agents.b!.scan({ idNumber: byId!.idNumber })).toMatchObject({
        open: false,
        reason: 'already_redeemed',
      });
      expect(await agents.b!.scan({ cardUid: '04a219ff01' })).toMatchObject({
        open: true,
        ticketId: byCard!.ticketId,
      });
      expect(await agents.b!.scan({ idNumber: '110101199001011237' })).toMatchObject({
        open: false,
        reason: 'unknown_ticket',
      });
      expect(await agents.b!.scan({ face: 'base64-capture' })).toMatchObject({
        open: false,
        reason: 'unsupported_media',
      });
    } finally {
      links.b!.restore();
    }
  });

  it('admits a whole order in one scan on a handheld, never on a turnstile', async () => {
    const group = await issueOrder(pg.db, fx, { count: 4 });
    await Promise.all([caughtUp('h'), caughtUp('a')]);
    expect(await agents.a!.scan({ qr: group[0]!.code, group: true })).toMatchObject({
      open: false,
      reason: 'not_allowed_for_device',
    });
    const r = await agents.h!.scan({ qr: group[1]!.code, group: true });
    expect(r.open).toBe(true);
    expect(r.tickets.map((x) => x.ticketId).sort()).toEqual(group.map((g) => g.ticketId).sort());
    expect(r.tickets.every((x) => x.open)).toBe(true);
    const again = await agents.h!.scan({ qr: group[2]!.code, group: true });
    expect(again.tickets.map((x) => x.reason)).toEqual([
      'already_redeemed',
      'already_redeemed',
      'already_redeemed',
      'already_redeemed',
    ]);
    await synced('h');
    expect(
      await pg
        .db('checkin_scans')
        .whereIn(
          'ticket_id',
          group.map((g) => g.ticketId),
        )
        .where({ decision: 'admit' }),
    ).toHaveLength(4);
  });

  it('counts exits, reports health and stops admitting when the park is full', async () => {
    await synced('a');
    // The park's count is the centre's, other gates' entries included (the handheld's
    // group just now): wait until this agent's figure has caught up with it, else the
    // capacity set below may already be full by the time its next sync round lands.
    const presence = await pg
      .db('area_presence')
      .where({ area_id: fx.areaId })
      .orderBy('day', 'desc')
      .first('entries', 'exits');
    const inPark = Math.max(0, (presence?.entries ?? 0) - (presence?.exits ?? 0));
    await agents.a!.waitFor((h) => h.online && h.inPark === inPark, `in park ${inPark}`);
    await pg
      .db('areas')
      .where({ id: fx.areaId })
      .update({ instant_capacity: inPark + 1 });
    const [t1, t2] = await issueOrder(pg.db, fx, { count: 2 });
    await caughtUp('a'); // the centre's figures come with every sync round
    expect(await agents.a!.scan({ qr: t1!.code })).toMatchObject({ open: true, mode: 'online' });
    expect(await agents.a!.scan({ qr: t2!.code })).toMatchObject({
      open: false,
      reason: 'capacity_full',
      display: expect.stringMatching(/full/) as string,
    });
    links.a!.cut();
    await agents.a!.waitFor((h) => !h.online, 'link loss noticed');
    try {
      expect(await agents.a!.scan({ qr: t2!.code })).toMatchObject({
        open: false,
        reason: 'capacity_full',
        mode: 'offline',
      });
      expect((await agents.a!.scan({ direction: 'out', sensor: true })).open).toBe(true);
      expect(await agents.a!.scan({ qr: t2!.code })).toMatchObject({ open: true, mode: 'offline' });
    } finally {
      links.a!.restore();
    }
    await synced('a');
    const centre = await pg
      .db('area_presence')
      .where({ area_id: fx.areaId })
      .first<{ entries: number; exits: number }>();
    expect(centre.entries - centre.exits).toBe(inPark + 1);
    const row = await pg
      .db('gate_devices')
      .where({ id: 'gate-a' })
      .first<{ last_sync_at: Date | null; last_seq: number }>();
    expect(row.last_sync_at).not.toBeNull();
    expect(row.last_seq).toBeGreaterThan(0);
    await pg.db('areas').where({ id: fx.areaId }).update({ instant_capacity: 1000 });
  });
});
