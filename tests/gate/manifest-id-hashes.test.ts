import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { addDays } from '../../core/time.js';
import type { ManifestPage } from '../../core/checkin/protocol.js';
import { issueOrder, registerGate, seedArea, startGateApi, today, type AreaFixture } from './fixtures.js';

/**
 * Issue 17 item 5: every gate device got the day's lookup key plus a hash of every
 * visitor's ID number for three days (yesterday, today, tomorrow); the ID space is small
 * enough to search offline from one lost handheld. Now a handheld gets no key and no
 * hash, and a turnstile gets them for today only.
 */
describe('17.5 ID-number hashes only for turnstiles, only for today', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  const cred: Record<string, string> = {};
  const manifest = async (gate: string, date: string): Promise<ManifestPage> => {
    const res = await fetch(`${api.url}/manifest?date=${date}`, {
      headers: { authorization: `Bearer ${cred[gate]}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ManifestPage;
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    cred.turnstile = (await registerGate(pg.db, fx, 'g-t', 'east', 'turnstile')).credential;
    cred.handheld = (await registerGate(pg.db, fx, 'g-h', 'east', 'handheld')).credential;
    await issueOrder(pg.db, fx, { count: 2 });
    await issueOrder(pg.db, fx, { count: 2, date: addDays(today(), 1) });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('17.5 a handheld gets neither the key nor a hash, today or any day', async () => {
    for (const day of [today(), addDays(today(), 1)]) {
      const m = await manifest('handheld', day);
      expect(m.tickets.length).toBeGreaterThan(0);
      expect(m.manifestKey).toBe('');
      expect(m.tickets.every((t) => t.idHash === null)).toBe(true);
    }
  });

  it("17.5 a turnstile gets them for today only, not tomorrow's visitors", async () => {
    const now = await manifest('turnstile', today());
    expect(now.manifestKey).not.toBe('');
    expect(now.tickets.every((t) => t.idHash !== null)).toBe(true);
    const next = await manifest('turnstile', addDays(today(), 1));
    expect(next.manifestKey).toBe('');
    expect(next.tickets.every((t) => t.idHash === null)).toBe(true);
  });
});
