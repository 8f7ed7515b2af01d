import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import type { JournalEntry, JournalResult, Presence } from '../../core/checkin/protocol.js';
import { issueOrder, registerGate, seedArea, startGateApi, type AreaFixture } from './fixtures.js';

/**
 * Issue 17 item 2 (exit bounds): exits must not be able to drive the in-park figure below
 * the entries they match. Before the fix, every uploaded exit was added to the area-day's
 * exits: fifty bare exits left a balance of -49 that swallowed the next entries, so the
 * instantaneous-capacity limit stayed off at every gate; and one ticket scanned on the way
 * out again and again counted as many people leaving.
 */
describe('17.2 exits never exceed matched entries', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let cred = '';
  let seq = 0;

  const upload = async (entries: Partial<JournalEntry>[]): Promise<Presence> => {
    const res = await fetch(`${api.url}/journal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        entries: entries.map((e) => ({
          scanId: randomUUID(),
          seq: ++seq,
          at: new Date().toISOString(),
          media: 'qr',
          direction: 'in',
          ticketId: null,
          decision: 'admit',
          reason: 'ok',
          mode: 'offline',
          ...e,
        })),
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as JournalResult).presence;
  };
  const enter = (ticketId: string): Partial<JournalEntry> => ({ ticketId });
  const bareExit: Partial<JournalEntry> = { direction: 'out', media: 'sensor' };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    cred = (await registerGate(pg.db, fx, 'g-exits', 'east')).credential;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('17.2 a burst of anonymous exits empties the park at most, and later entries count', async () => {
    const [a] = await issueOrder(pg.db, fx);
    expect((await upload([enter(a!.ticketId)])).inPark).toBe(1);
    const drained = await upload(Array.from({ length: 50 }, () => bareExit));
    expect(drained).toMatchObject({ inPark: 0, entries: 1, exits: 1 });
    const more = await issueOrder(pg.db, fx, { count: 3 });
    expect((await upload(more.map((t) => enter(t.ticketId)))).inPark).toBe(3);
  });

  it('17.2 exits scanned with a ticket count only as far as its entries let people in', async () => {
    const [b, c] = await issueOrder(pg.db, fx, { count: 2 });
    const before = (await upload([enter(b!.ticketId), enter(c!.ticketId)])).inPark;
    const out = { direction: 'out' as const, ticketId: b!.ticketId };
    const after = await upload([out, out, out, out, out]);
    expect(after.inPark).toBe(before - 1);
    // a ticket never used to enter lets nobody out
    const [unused] = await issueOrder(pg.db, fx);
    expect((await upload([{ ...out, ticketId: unused!.ticketId }])).inPark).toBe(before - 1);
    expect(await pg.db('tickets').where({ id: b!.ticketId }).first('entries_used', 'exits_used')).toEqual({
      entries_used: 1,
      exits_used: 1,
    });
  });
});
