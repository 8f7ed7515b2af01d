import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { ManualClock } from '../../core/clock.js';
import { listGateHealth, revokeGateDevice } from '../../core/checkin/devices.js';
import { listDoubleEntries } from '../../core/checkin/ledger.js';
import { manifestIdHash } from '../../core/checkin/id-hash.js';
import { entranceFlow } from '../../core/checkin/presence.js';
import type {
  ChangesPage,
  JournalEntry,
  JournalResult,
  ManifestPage,
  PrecheckResult,
} from '../../core/checkin/protocol.js';
import {
  issueOrder,
  refundTicket,
  registerGate,
  seedArea,
  startGateApi,
  today,
  type AreaFixture,
} from './fixtures.js';

/** The server side of gate sync, through the real router on Postgres. */
describe('gate API and redemption ledger', () => {
  const pg = usePostgres();
  const clock = new ManualClock(new Date());
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  const cred: Record<string, string> = {};

  const call = async <T>(
    gate: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${cred[gate]}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const seqs: Record<string, number> = {};
  const entry = (
    gate: string,
    ticketId: string | null,
    at: Date,
    patch: Partial<JournalEntry> = {},
  ): JournalEntry => {
    seqs[gate] = (seqs[gate] ?? 0) + 1;
    return {
      scanId: randomUUID(),
      seq: seqs[gate],
      at: at.toISOString(),
      media: 'qr',
      direction: 'in',
      ticketId,
      decision: 'admit',
      reason: 'ok',
      mode: 'offline',
      ...patch,
    };
  };
  const upload = (gate: string, entries: JournalEntry[]) =>
    call<JournalResult>(gate, 'POST', '/journal', { entries });

  beforeAll(async () => {
    fx = await seedArea(pg.db, { clock, instantCapacity: 1000 });
    for (const [id, e] of [
      ['g-east', 'east'],
      ['g-west', 'west'],
      ['g-north', 'north'],
      ['g-pier', 'pier'],
    ] as const) {
      cred[id] = (await registerGate(pg.db, fx, id, e, 'turnstile', clock)).credential;
    }
    api = await startGateApi(pg.db, fx.vault, clock);
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each<[string, Record<string, string>, string]>([
    ['no credential', {}, 'gate_credential_required'],
    ['an API key', { authorization: 'Bearer sk_abc_def' }, 'gate_credential_required'],
    ['garbage', { 'x-scenic-gate-credential': 'nope' }, 'invalid_gate_credential'],
    [
      'a wrong secret',
      { 'x-scenic-gate-credential': `sgd1.g-east.${'A'.repeat(43)}` },
      'invalid_gate_credential',
    ],
    [
      'an unknown gate',
      { authorization: `Bearer sgd1.g-nowhere.${'A'.repeat(43)}` },
      'invalid_gate_credential',
    ],
  ])('refuses %s with 401', async (_n, headers, code) => {
    const res = await fetch(`${api.url}/keys`, { headers });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe(code);
  });

  it('accepts the credential in its own header or as a bearer token', async () => {
    const styles: Record<string, string>[] = [
      { 'x-scenic-gate-credential': cred['g-east']! },
      { authorization: `Bearer ${cred['g-east']!}` },
    ];
    for (const headers of styles) {
      expect((await fetch(`${api.url}/keys`, { headers })).status).toBe(200);
    }
  });

  it('serves keys and entrance rules to an authenticated gate', async () => {
    const keys = await call<{ keys: { kid: string; publicKey: string }[] }>('g-east', 'GET', '/keys');
    expect(keys.body.keys.map((k) => k.kid)).toContain(fx.ring.signer.kid);
    const rules = await call<{
      gate: { id: string };
      rules: { entranceId: string; products: Record<string, { entrances: string[] | null }> };
    }>('g-east', 'GET', '/rules');
    expect(rules.body.gate.id).toBe('g-east');
    expect(rules.body.rules.entranceId).toBe('east');
    expect(rules.body.rules.products.boat!.entrances).toEqual(['pier']);
  });

  it('stores a journal batch once, whatever the retries', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const batch = [
      entry('g-east', t!.ticketId, clock.now()),
      entry('g-east', null, clock.now(), { decision: 'deny', reason: 'malformed', media: 'qr' }),
    ];
    const first = await upload('g-east', batch);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const again = await upload('g-east', batch);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const rows = await pg.db('checkin_scans').whereIn(
      'scan_id',
      batch.map((b) => b.scanId),
    );
    expect(rows).toHaveLength(2);
    expect(rows.find((r: { decision: string }) => r.decision === 'deny')).toMatchObject({
      reason: 'malformed',
    });
    expect(
      (await pg.db('tickets').where({ id: t!.ticketId }).first<{ entries_used: number }>()).entries_used,
    ).toBe(1);
  });

  it("stores another area's ticket ids as unknown: a gate speaks only for its own area", async () => {
    const [t] = await issueOrder(pg.db, fx);
    await pg.db('areas').insert({
      id: 'elsewhere',
      name: 'Elsewhere',
      timezone: 'Asia/Shanghai',
      daily_capacity: 10,
      instant_capacity: 10,
    });
    // product ids are per area (issue 16): the ticket's product must exist in its new area
    await pg
      .db('products')
      .insert({ id: 'adult', area_id: 'elsewhere', name: 'adult', kind: 'adult', base_price: 1 });
    await pg.db('tickets').where({ id: t!.ticketId }).update({ area_id: 'elsewhere' });
    const e = entry('g-east', t!.ticketId, clock.now());
    expect((await upload('g-east', [e])).body).toMatchObject({ accepted: 1 });
    expect(await pg.db('checkin_scans').where({ scan_id: e.scanId }).first()).toMatchObject({
      ticket_id: null,
      decision: 'admit',
    });
    expect(
      (await pg.db('tickets').where({ id: t!.ticketId }).first<{ entries_used: number }>()).entries_used,
    ).toBe(0);
    expect(
      await pg.db('audit_log').where({ action: 'scenic.checkin.foreign_tickets', subject: 'gate:g-east' }),
    ).toHaveLength(1);
  });

  it('rejects a malformed batch with the offending field', async () => {
    const res = await call<{ code: string; errors: { path: string }[] }>('g-east', 'POST', '/journal', {
      entries: [{ scanId: 'x' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_input');
    expect(res.body.errors.map((e) => e.path)).toContain('entries.0.scanId');
  });

  it('flags an offline double entry identically whatever the upload order, and counts it once', async () => {
    const outcomes: unknown[] = [];
    const before = (await call<{ entries: number }>('g-east', 'GET', '/presence')).body.entries;
    const orders: [string, string][] = [
      ['g-west', 'g-north'],
      ['g-north', 'g-west'],
    ];
    for (const order of orders) {
      const [t] = await issueOrder(pg.db, fx);
      const t0 = clock.now();
      const scans = {
        'g-west': entry('g-west', t!.ticketId, new Date(t0.getTime() + 1000)),
        'g-north': entry('g-north', t!.ticketId, new Date(t0.getTime() + 1500)),
      } as Record<string, JournalEntry>;
      for (const g of order) expect((await upload(g, [scans[g]!])).status).toBe(200);
      const flags = (await listDoubleEntries(pg.db, fx.areaId)).filter((f) => f.ticketId === t!.ticketId);
      expect(flags).toHaveLength(1);
      const f = flags[0]!;
      expect(f.scanIds).toEqual([scans['g-west']!.scanId, scans['g-north']!.scanId]);
      const counted = await pg
        .db('checkin_scans')
        .where({ ticket_id: t!.ticketId })
        .orderBy('scanned_at')
        .select('gate_id', 'counted', 'over_limit');
      outcomes.push({
        entriesSeen: f.entriesSeen,
        entriesAllowed: f.entriesAllowed,
        gateIds: f.gateIds,
        status: f.status,
        counted,
      });
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toMatchObject({
      entriesSeen: 2,
      entriesAllowed: 1,
      gateIds: ['g-north', 'g-west'],
      status: 'open',
    });
    const after = (await call<{ entries: number }>('g-east', 'GET', '/presence')).body.entries;
    expect(after - before).toBe(2); // two tickets, each counted once
    const audit = await pg.db('audit_log').where({ action: 'scenic.checkin.double_entry' });
    expect(audit).toHaveLength(2);
    expect(await pg.db('outbox').where({ topic: 'checkin.double_entry' })).toHaveLength(2);
  });

  it('does not flag a ticket that allows two entries until the third', async () => {
    const [t] = await issueOrder(pg.db, fx, { productId: 'twice' });
    const at = clock.now();
    await upload('g-west', [entry('g-west', t!.ticketId, at)]);
    await upload('g-north', [entry('g-north', t!.ticketId, new Date(at.getTime() + 10))]);
    expect((await listDoubleEntries(pg.db, fx.areaId)).some((f) => f.ticketId === t!.ticketId)).toBe(false);
    await upload('g-east', [entry('g-east', t!.ticketId, new Date(at.getTime() + 20))]);
    expect(
      (await listDoubleEntries(pg.db, fx.areaId)).find((f) => f.ticketId === t!.ticketId)?.entriesSeen,
    ).toBe(3);
  });

  it("matches a re-entry ticket's exits to its entries across gates, in any upload order, and flags an entry while inside", async () => {
    const [t] = await issueOrder(pg.db, fx, { productId: 'pass' });
    const at = (s: number) => new Date(clock.now().getTime() + s * 1000);
    const id = t!.ticketId;
    // in at west, out at east, in at north, out at east, in at west: uploaded east first
    const west = [entry('g-west', id, at(1)), entry('g-west', id, at(50))];
    const east = [
      entry('g-east', id, at(10), { direction: 'out' }),
      entry('g-east', id, at(40), { direction: 'out' }),
    ];
    const north = [entry('g-north', id, at(20))];
    for (const [g, e] of [
      ['g-east', east],
      ['g-north', north],
      ['g-west', west],
    ] as const)
      expect((await upload(g, e)).status).toBe(200);
    const row = async () =>
      pg
        .db('tickets')
        .where({ id })
        .first<{ entries_used: number; exits_used: number }>('entries_used', 'exits_used');
    expect(await row()).toMatchObject({ entries_used: 3, exits_used: 2 });
    expect((await listDoubleEntries(pg.db, fx.areaId)).some((f) => f.ticketId === id)).toBe(false);

    // online, the centre knows the holder is inside
    const ask = await call<PrecheckResult>('g-north', 'POST', '/precheck', {
      scanId: randomUUID(),
      ticketId: id,
      at: at(60).toISOString(),
      media: 'qr',
    });
    expect(ask.body).toMatchObject({ admit: false, reason: 'already_inside' });
    // an offline gate let it in again without an exit between: the double entry
    const twice = entry('g-north', id, at(55));
    await upload('g-north', [twice]);
    const f = (await listDoubleEntries(pg.db, fx.areaId)).find((x) => x.ticketId === id);
    expect(f).toMatchObject({ status: 'open', entriesSeen: 4 });
    expect(
      await pg.db('checkin_scans').where({ scan_id: twice.scanId }).first('counted', 'over_limit'),
    ).toMatchObject({ counted: false, over_limit: true });
    // the gates hear about exits through the change feed, as about entries
    const m = await call<ManifestPage>('g-east', 'GET', `/manifest?date=${today(clock)}&limit=10000`);
    expect(m.body.tickets.find((x) => x.ticketId === id)).toMatchObject({
      entriesUsedElsewhere: 3,
      exitsUsedElsewhere: 0,
    });
    const w = await call<ManifestPage>('g-west', 'GET', `/manifest?date=${today(clock)}&limit=10000`);
    expect(w.body.tickets.find((x) => x.ticketId === id)).toMatchObject({
      entriesUsedElsewhere: 1,
      exitsUsedElsewhere: 2,
    });
  });

  it('tells staff when a flag opens and when a later upload clears it', async () => {
    const [t] = await issueOrder(pg.db, fx, { productId: 'pass' });
    const id = t!.ticketId;
    const at = (s: number) => new Date(clock.now().getTime() + s * 1000);
    // in at west, out at east, in at west again: the west gate uploads first
    await upload('g-west', [entry('g-west', id, at(1)), entry('g-west', id, at(30))]);
    const flag = () =>
      pg
        .db('checkin_flags')
        .where({ ticket_id: id, kind: 'double_entry' })
        .first<{ status: string } | undefined>('status');
    expect(await flag()).toMatchObject({ status: 'open' });
    await upload('g-east', [entry('g-east', id, at(10), { direction: 'out' })]); // the exit in between arrives
    expect(await flag()).toMatchObject({ status: 'cleared' });
    const trail = await pg
      .db('audit_log')
      .where({ subject: `ticket:${id}` })
      .orderBy('id')
      .pluck('action');
    expect(trail).toEqual(['scenic.checkin.double_entry', 'scenic.checkin.double_entry_cleared']);
    const events = await pg
      .db('outbox')
      .where({ aggregate_id: id })
      .whereIn('topic', ['checkin.double_entry', 'checkin.double_entry_cleared'])
      .orderBy('id')
      .pluck('topic');
    expect(events).toEqual(['checkin.double_entry', 'checkin.double_entry_cleared']);
  });

  it('admits online once when two gates ask about one ticket at the same instant', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const ask = (gate: string) =>
      call<PrecheckResult>(gate, 'POST', '/precheck', {
        scanId: randomUUID(),
        ticketId: t!.ticketId,
        at: clock.now().toISOString(),
        media: 'qr',
      });
    const answers = await Promise.all([ask('g-east'), ask('g-west')]);
    expect(answers.map((a) => a.body.reason).sort()).toEqual(['already_redeemed', 'ok']);
    expect(answers.find((a) => !a.body.admit)!.body.display).toMatch(/already used/);
  });

  it('counts a pre-checked entry once when the journal row follows, and uncounts it if the gate stayed shut', async () => {
    const [t1, t2] = await issueOrder(pg.db, fx, { count: 2 });
    const p0 = (await call<{ entries: number }>('g-east', 'GET', '/presence')).body.entries;
    const e1 = entry('g-east', t1!.ticketId, clock.now(), { mode: 'online' });
    const e2 = entry('g-east', t2!.ticketId, clock.now(), {
      mode: 'online',
      decision: 'deny',
      reason: 'journal_unavailable',
    });
    for (const e of [e1, e2]) {
      const r = await call<PrecheckResult>('g-east', 'POST', '/precheck', {
        scanId: e.scanId,
        ticketId: e.ticketId,
        at: e.at,
        media: 'qr',
      });
      expect(r.body.admit).toBe(true);
    }
    expect((await call<{ entries: number }>('g-east', 'GET', '/presence')).body.entries - p0).toBe(2);
    const res = await upload('g-east', [e1, e2]);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(res.body.presence.entries - p0).toBe(1);
    expect(
      (await pg.db('tickets').where({ id: t2!.ticketId }).first<{ entries_used: number }>()).entries_used,
    ).toBe(0);
    expect((await upload('g-east', [e1, e2])).body).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('clears a double-entry flag when the gate that pre-checked reports it stayed shut', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const at = clock.now();
    const online = entry('g-east', t!.ticketId, at, { mode: 'online' });
    expect(
      (
        await call<PrecheckResult>('g-east', 'POST', '/precheck', {
          scanId: online.scanId,
          ticketId: t!.ticketId,
          at: online.at,
          media: 'qr',
        })
      ).body.admit,
    ).toBe(true);
    const offline = entry('g-west', t!.ticketId, new Date(at.getTime() + 500));
    await upload('g-west', [offline]);
    expect((await listDoubleEntries(pg.db, fx.areaId)).find((f) => f.ticketId === t!.ticketId)).toMatchObject(
      { status: 'open', entriesSeen: 2 },
    );
    await upload('g-east', [{ ...online, decision: 'deny', reason: 'journal_unavailable' }]);
    expect((await listDoubleEntries(pg.db, fx.areaId)).find((f) => f.ticketId === t!.ticketId)).toMatchObject(
      { status: 'cleared', entriesSeen: 1 },
    );
    const rows = await pg
      .db('checkin_scans')
      .where({ ticket_id: t!.ticketId })
      .select<{ scan_id: string; counted: boolean; over_limit: boolean }[]>(
        'scan_id',
        'counted',
        'over_limit',
      );
    expect(rows.find((r) => r.scan_id === offline.scanId)).toMatchObject({
      counted: true,
      over_limit: false,
    });
    expect(rows.find((r) => r.scan_id === online.scanId)).toMatchObject({
      counted: false,
      over_limit: false,
    });
  });

  it('refuses online a refunded ticket, one for another entrance, and an unknown one', async () => {
    const [refunded] = await issueOrder(pg.db, fx);
    await refundTicket(pg.db, refunded!.ticketId);
    const [boat] = await issueOrder(pg.db, fx, { productId: 'boat' });
    const ask = async (ticketId: string) =>
      (
        await call<PrecheckResult>('g-east', 'POST', '/precheck', {
          scanId: randomUUID(),
          ticketId,
          at: clock.now().toISOString(),
          media: 'qr',
        })
      ).body.reason;
    expect(await ask(refunded!.ticketId)).toBe('revoked');
    expect(await ask(boat!.ticketId)).toBe('wrong_entrance');
    expect(await ask(randomUUID())).toBe('unknown_ticket');
  });

  it('serves the day manifest with per-day ID hashes and entries used at other gates', async () => {
    const [t] = await issueOrder(pg.db, fx, { cardUids: ['04A219FF'] });
    await upload('g-west', [entry('g-west', t!.ticketId, clock.now())]);
    const pages: ManifestPage[] = [];
    let after: string | null = null;
    do {
      const q: string = after ? `&after=${after}` : '';
      const p = (await call<ManifestPage>('g-east', 'GET', `/manifest?date=${today(clock)}&limit=3${q}`))
        .body;
      pages.push(p);
      after = p.next;
    } while (after);
    expect(pages.length).toBeGreaterThan(1);
    const all = pages.flatMap((p) => p.tickets);
    const mine = all.find((m) => m.ticketId === t!.ticketId)!;
    expect(mine.idHash).toBe(manifestIdHash(pages[0]!.manifestKey, t!.idNumber));
    expect(mine.idHash).not.toBe(fx.vault.lookupHash('id', t!.idNumber));
    expect(mine).toMatchObject({ cardUid: '04A219FF', entriesUsedElsewhere: 1, status: 'valid' });
    const west = (await call<ManifestPage>('g-west', 'GET', `/manifest?date=${today(clock)}&limit=10000`))
      .body;
    expect(west.tickets.find((m) => m.ticketId === t!.ticketId)!.entriesUsedElsewhere).toBe(0);
  });

  it.each(['manifest', 'changes'])('serves the %s of yesterday, today and tomorrow only', async (what) => {
    const d = today(clock);
    const [y, y2, t1, t2] = [-1, -2, 1, 2].map((n) =>
      new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10),
    );
    for (const ok of [y, d, t1])
      expect((await call(`g-east`, 'GET', `/${what}?date=${ok}`)).status).toBe(200);
    for (const far of [y2, t2, '2020-01-01']) {
      const r = await call<{ code: string }>('g-east', 'GET', `/${what}?date=${far}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('date_out_of_range');
    }
  });

  it('streams refunds and reschedules by cursor', async () => {
    const [a, b] = await issueOrder(pg.db, fx, { count: 2 });
    const start = (await call<ManifestPage>('g-east', 'GET', `/manifest?limit=1`)).body.cursor;
    await refundTicket(pg.db, a!.ticketId);
    await pg.db('tickets').where({ id: b!.ticketId }).update({ visit_date: '2099-01-01' });
    const changes = (cursor: number) =>
      call<ChangesPage>('g-east', 'GET', `/changes?date=${today(clock)}&cursor=${cursor}`);
    const page = (await changes(start)).body;
    const byId = new Map(page.tickets.map((t) => [t.ticketId, t]));
    expect(byId.get(a!.ticketId)?.status).toBe('refunded');
    expect(byId.get(b!.ticketId)?.status).toBe('revoked');
    // Fresh changes are sent but the cursor does not move past them until they settle
    // (a slower transaction may still commit a smaller sequence number).
    expect(page.cursor).toBe(start);
    expect(page.highest).toBeGreaterThan(start);
    expect((await changes(page.cursor)).body.tickets.map((t) => t.ticketId)).toEqual(
      page.tickets.map((t) => t.ticketId),
    );
    await pg
      .db('ticket_changes')
      .where('seq', '>', start)
      .update({ at: pg.db.raw("now() - interval '2 minutes'") });
    const settled = (await changes(start)).body;
    expect(settled.cursor).toBe(settled.highest);
    expect((await changes(settled.cursor)).body).toMatchObject({
      cursor: settled.cursor,
      tickets: [],
      more: false,
    });
  });

  it('keeps in-park figures from entries and exits, per-entrance flow, and releases capacity on exit', async () => {
    const [boat] = await issueOrder(pg.db, fx, { productId: 'boat' });
    const p0 = (await call<{ inPark: number; exits: number }>('g-pier', 'GET', '/presence')).body;
    const at = clock.now();
    const r = await upload('g-pier', [
      entry('g-pier', boat!.ticketId, at),
      entry('g-pier', boat!.ticketId, new Date(at.getTime() + 60_000), { direction: 'out' }),
      entry('g-pier', null, new Date(at.getTime() + 61_000), { direction: 'out', media: 'none' }),
    ]);
    expect(r.body.presence.exits - p0.exits).toBe(2);
    expect(r.body.presence.inPark).toBe(Math.max(0, p0.inPark + 1 - 2));
    const released = await pg
      .db('outbox')
      .where({ topic: 'ticket.capacity_released', aggregate_id: boat!.ticketId });
    expect(released).toHaveLength(1);
    const flow = (
      await entranceFlow(pg.db, fx.areaId, new Date(at.getTime() - 120_000), new Date(at.getTime() + 120_000))
    ).filter((f) => f.entranceId === 'pier');
    expect(flow.reduce((s, f) => s + f.entries, 0)).toBe(1);
    expect(flow.reduce((s, f) => s + f.exits, 0)).toBe(2);
  });

  it('refuses online once the park is at its instantaneous capacity, until exits free room', async () => {
    const { instantCapacity, inPark } = (
      await call<{ instantCapacity: number; inPark: number }>('g-east', 'GET', '/presence')
    ).body;
    await pg.db('areas').where({ id: fx.areaId }).update({ instant_capacity: inPark });
    const [t] = await issueOrder(pg.db, fx);
    const ask = async () =>
      (
        await call<PrecheckResult>('g-east', 'POST', '/precheck', {
          scanId: randomUUID(),
          ticketId: t!.ticketId,
          at: clock.now().toISOString(),
          media: 'qr',
        })
      ).body;
    expect((await ask()).reason).toBe('capacity_full');
    await upload('g-west', [entry('g-west', null, clock.now(), { direction: 'out', media: 'none' })]);
    expect((await ask()).reason).toBe('ok');
    await pg.db('areas').where({ id: fx.areaId }).update({ instant_capacity: instantCapacity });
  });

  it('records gate health and stops a revoked gate', async () => {
    const report = {
      version: 't',
      journalBacklog: 7,
      lastSyncAt: null,
      offlineSince: clock.now().toISOString(),
      manifestTickets: 3,
      manifestDate: null,
      keys: 1,
      changeCursor: 0,
      journalOk: true,
    };
    expect((await call('g-north', 'POST', '/health', report)).status).toBe(204);
    const row = await pg
      .db('gate_devices')
      .where({ id: 'g-north' })
      .first<{ journal_backlog: number; offline_since: Date | null }>();
    expect(row).toMatchObject({ journal_backlog: 7 });
    expect(row.offline_since).not.toBeNull();
    const health = (await listGateHealth(pg.db, fx.areaId)).find((g) => g.id === 'g-north');
    expect(health).toMatchObject({
      entranceId: 'north',
      kind: 'turnstile',
      journalBacklog: 7,
      offlineSince: report.offlineSince,
      revoked: false,
    });
    await revokeGateDevice(pg.db, 'g-north', clock);
    const res = await call<{ code: string }>('g-north', 'GET', '/keys');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('gate_revoked');
  });
});
