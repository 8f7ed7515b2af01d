import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { createLogger } from '../core/log.js';
import { generateSigningKey, signTicket } from '../core/tickets/token.js';
import type { EntranceRules } from '../core/checkin/rules.js';
import type { PrecheckResult } from '../core/checkin/protocol.js';
import { GateAgent } from './agent.js';
import { CentralError, type CentralClient } from './central.js';
import { Journal } from './journal.js';

const dir = mkdtempSync(join(tmpdir(), 'scenic-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = generateSigningKey('kt');
const clock = new ManualClock('2026-07-15T02:00:00Z'); // 10:00 in Shanghai
const rules: EntranceRules = {
  areaId: 'west-lake',
  entranceId: 'east',
  timezone: 'Asia/Shanghai',
  instantCapacity: 0,
  graceBeforeMin: 30,
  graceAfterMin: 60,
  products: {
    adult: { entrances: null, releaseOnExit: false, reentry: false },
    pass: { entrances: null, releaseOnExit: false, reentry: true },
  },
};
const ticket = () =>
  signTicket(key, {
    ticketId: randomUUID(),
    areaId: 'west-lake',
    date: '2026-07-15',
    slotStartMin: 540,
    slotEndMin: 660,
    productId: 'adult',
    entriesAllowed: 1,
  });

/** An agent on a fresh journal, offline or "online" against a scripted centre. */
function agentWith(precheck?: (budgetMs: number) => Promise<PrecheckResult>, ready = true) {
  const journal = new Journal(join(dir, `${randomUUID()}.db`));
  if (ready) {
    journal.set('keys', [{ kid: key.kid, publicKey: key.publicRaw }]);
    journal.set('rules', rules);
  }
  const central = {
    precheck: (_req: unknown, budget: number) => precheck!(budget),
  } as unknown as CentralClient;
  const agent = new GateAgent({
    journal,
    central,
    clock,
    log: createLogger('gate-test', 'silent'),
    precheck: true,
    precheckBudgetMs: 150,
    refreshIntervalMs: 60_000,
  });
  if (precheck) {
    agent.online = true;
    agent.offlineSince = null;
  }
  return { agent, journal };
}

const presence = {
  areaId: 'west-lake',
  date: '2026-07-15',
  inPark: 0,
  entries: 0,
  exits: 0,
  instantCapacity: 0,
};

describe('GateAgent', () => {
  it('admits offline once, then refuses the same ticket', async () => {
    const { agent, journal } = agentWith();
    const qr = ticket();
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({
      open: true,
      reason: 'ok',
      mode: 'offline',
    });
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'already_redeemed',
    });
    expect(journal.unsynced(10).map((e) => e.decision)).toEqual(['admit', 'deny']);
  });

  it('lets a re-entry ticket in again offline only after it went out, also after a restart', async () => {
    const { agent, journal } = agentWith();
    const qr = signTicket(key, {
      ticketId: randomUUID(),
      areaId: 'west-lake',
      date: '2026-07-15',
      slotStartMin: 540,
      slotEndMin: 660,
      productId: 'pass',
      entriesAllowed: 1,
    });
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({ open: true, reason: 'ok' });
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'already_inside',
    });
    expect((await agent.scan({ qr, direction: 'out' })).open).toBe(true);
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({ open: true, reason: 'ok' });
    // a restart rebuilds its entries and exits from the journal: still inside
    const again = new GateAgent({
      journal,
      central: {} as CentralClient,
      clock,
      log: createLogger('gate-test', 'silent'),
      precheck: false,
      precheckBudgetMs: 150,
      refreshIntervalMs: 60_000,
    });
    expect(await again.scan({ qr, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'already_inside',
    });
    expect((await again.scan({ qr, direction: 'out' })).open).toBe(true);
    expect((await again.scan({ qr, direction: 'in' })).open).toBe(true);
  });

  it('lets the centre refuse what the gate would admit', async () => {
    const { agent } = agentWith(() =>
      Promise.resolve({ admit: false, reason: 'already_redeemed', display: '', presence }),
    );
    const qr = ticket();
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'already_redeemed',
      mode: 'online',
    });
    // The refused entry was not counted locally: offline, the ticket would still admit.
    agent.online = false;
    expect((await agent.scan({ qr, direction: 'in' })).open).toBe(true);
  });

  it('keeps its own decision and goes offline when the centre does not answer in time', async () => {
    const { agent } = agentWith(
      (budget) =>
        new Promise((_, reject) =>
          setTimeout(() => reject(new CentralError('timeout', `no answer within ${budget} ms`)), 5),
        ),
    );
    expect(await agent.scan({ qr: ticket(), direction: 'in' })).toMatchObject({
      open: true,
      mode: 'offline',
    });
    expect(agent.online).toBe(false);
    expect(agent.offlineSince).not.toBeNull();
  });

  it('stays shut and says so when the journal cannot be written, and releases the entry', async () => {
    const { agent, journal } = agentWith();
    const qr = ticket();
    journal.db.pragma('query_only = 1'); // every write now fails, as on a dead disk
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'journal_unavailable',
    });
    expect(agent.health().journalOk).toBe(false);
    expect(journal.count()).toBe(0);
    journal.db.pragma('query_only = 0');
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({ open: true });
  });

  it('opens exits even before its first sync, and refuses entries until then', async () => {
    const { agent } = agentWith(undefined, false);
    expect(await agent.scan({ direction: 'out' })).toMatchObject({ open: true });
    expect(await agent.scan({ qr: ticket(), direction: 'in' })).toMatchObject({
      open: false,
      reason: 'gate_not_ready',
    });
  });

  it('holds the instantaneous capacity offline from its own entries and exits', async () => {
    const { agent } = agentWith();
    agent.state.rules = { ...rules, instantCapacity: 2 };
    agent.state.presence = { ...presence, inPark: 1 };
    expect((await agent.scan({ qr: ticket(), direction: 'in' })).open).toBe(true);
    expect(await agent.scan({ qr: ticket(), direction: 'in' })).toMatchObject({
      open: false,
      reason: 'capacity_full',
    });
    await agent.scan({ direction: 'out', sensor: true });
    expect((await agent.scan({ qr: ticket(), direction: 'in' })).open).toBe(true);
  });

  it('17.2 an exit opens always but counts only with a ticket or a sensor event', async () => {
    const { agent, journal } = agentWith();
    agent.state.rules = { ...rules, instantCapacity: 2 };
    agent.state.presence = { ...presence, inPark: 2 };
    // a LAN client posting bare exits: the gate opens, the figure stays
    for (let i = 0; i < 5; i++)
      expect(await agent.scan({ direction: 'out' })).toMatchObject({
        open: true,
        reason: 'exit_not_counted',
      });
    expect(agent.state.inPark()).toBe(2);
    expect(await agent.scan({ qr: ticket(), direction: 'in' })).toMatchObject({ reason: 'capacity_full' });
    // the turnstile's passage sensor counts, down to zero and never below
    for (let i = 0; i < 4; i++)
      expect(await agent.scan({ direction: 'out', sensor: true })).toMatchObject({
        open: true,
        reason: 'ok',
      });
    expect(agent.state.inPark()).toBe(0);
    expect((await agent.scan({ qr: ticket(), direction: 'in' })).open).toBe(true);
    expect((await agent.scan({ qr: ticket(), direction: 'in' })).open).toBe(true);
    expect(await agent.scan({ qr: ticket(), direction: 'in' })).toMatchObject({ reason: 'capacity_full' });
    const exits = journal.unsynced(100).filter((e) => e.direction === 'out');
    expect(exits.filter((e) => e.decision === 'admit').map((e) => e.media)).toEqual([
      'sensor',
      'sensor',
      'sensor',
      'sensor',
    ]);
    expect(exits.filter((e) => e.decision === 'deny')).toHaveLength(5);
  });
});

describe('GateAgent key rotation', () => {
  it('fetches the keys during the scan when a token carries an unknown key id', async () => {
    const rotated = generateSigningKey('kt2');
    const { agent } = agentWith(() => Promise.resolve({ admit: true, reason: 'ok', display: '', presence }));
    let asked = 0;
    // Counts the scan path's fetches only (they carry the pre-check budget; sync rounds do not).
    (agent as unknown as { o: { central: { keys: (t?: number) => Promise<unknown> } } }).o.central.keys = (
      timeoutMs?: number,
    ) => {
      if (timeoutMs !== undefined) asked += 1;
      return Promise.resolve({
        keys: [
          { kid: key.kid, publicKey: key.publicRaw },
          { kid: rotated.kid, publicKey: rotated.publicRaw },
        ],
      });
    };
    const qr = signTicket(rotated, {
      ticketId: randomUUID(),
      areaId: 'west-lake',
      date: '2026-07-15',
      slotStartMin: 540,
      slotEndMin: 660,
      productId: 'adult',
      entriesAllowed: 1,
    });
    expect(await agent.scan({ qr, direction: 'in' })).toMatchObject({ open: true, mode: 'online' });
    expect(asked).toBe(1);
    agent.online = false;
    const other = signTicket(generateSigningKey('kt3'), {
      ticketId: randomUUID(),
      areaId: 'west-lake',
      date: '2026-07-15',
      slotStartMin: 540,
      slotEndMin: 660,
      productId: 'adult',
      entriesAllowed: 1,
    });
    expect(await agent.scan({ qr: other, direction: 'in' })).toMatchObject({
      open: false,
      reason: 'unknown_key',
    });
    expect(asked).toBe(1); // offline: no network call on the scan path
  });
});

describe('17.12 a QR no current manifest lists', () => {
  const signed = (date: string | null) =>
    signTicket(key, {
      ticketId: randomUUID(),
      areaId: 'west-lake',
      date,
      validUntil: date ? null : '2026-07-20',
      slotStartMin: 0,
      slotEndMin: 1439,
      productId: 'adult',
      entriesAllowed: 1,
    });

  it("17.12 is refused offline once today's manifest is in (it would list the ticket)", async () => {
    const { agent } = agentWith();
    agent.state.setManifest('2026-07-15', 'k', 0, []);
    expect(await agent.scan({ qr: signed('2026-07-15'), direction: 'in' })).toMatchObject({
      open: false,
      reason: 'unknown_ticket',
    });
  });

  it('17.12 an open-dated token without a current manifest is refused offline', async () => {
    const { agent } = agentWith();
    expect(await agent.scan({ qr: signed(null), direction: 'in' })).toMatchObject({
      open: false,
      reason: 'unknown_ticket',
    });
  });

  it('17.12 online, the centre may still admit it', async () => {
    const { agent } = agentWith(() => Promise.resolve({ admit: true, reason: 'ok', display: '', presence }));
    agent.state.setManifest('2026-07-15', 'k', 0, []);
    expect(await agent.scan({ qr: signed(null), direction: 'in' })).toMatchObject({
      open: true,
      mode: 'online',
    });
  });
});
