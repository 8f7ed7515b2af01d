import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { addDays } from '../../core/time.js';
import type { ChangesPage, ManifestPage } from '../../core/checkin/protocol.js';
import {
  issueOrder,
  refundTicket,
  registerGate,
  seedArea,
  startGateApi,
  today,
  type AreaFixture,
} from './fixtures.js';

/**
 * Issue 17 item 12: an open-dated ticket (valid for `validityDays` from its visit date)
 * reached gates only in its visit date's manifest, so a refund on day 2 never reached a
 * gate on day 2 or 3, and an offline gate admitted it on any later day. Now every manifest
 * of its validity lists it (with its last day) and every day's change feed carries its
 * refund.
 */
describe('17.12 open-dated tickets reach the gates of every day of their validity', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let cred = '';
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${cred}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    await pg.db('products').insert({
      id: 'open3',
      area_id: fx.areaId,
      name: 'open3',
      kind: 'adult',
      base_price: 10000,
      date_bound: false,
      validity_days: 3,
    });
    api = await startGateApi(pg.db, fx.vault);
    cred = (await registerGate(pg.db, fx, 'g-open', 'east')).credential;
  });
  afterAll(async () => {
    await api?.close();
  });

  it("17.12 yesterday's 3-day ticket is in today's and tomorrow's manifest, its refund in their changes", async () => {
    const [t] = await issueOrder(pg.db, fx, { productId: 'open3', date: addDays(today(), -1) });
    const [old] = await issueOrder(pg.db, fx, { productId: 'open3', date: addDays(today(), -3) });
    const manifest = await get<ManifestPage>(`/manifest?date=${today()}`);
    const listed = manifest.tickets.find((x) => x.ticketId === t!.ticketId);
    expect(listed).toMatchObject({ status: 'valid', date: null, validUntil: addDays(today(), 1) });
    // a ticket whose validity ended yesterday is not listed: an offline gate refuses it
    expect(manifest.tickets.map((x) => x.ticketId)).not.toContain(old!.ticketId);
    expect(
      (await get<ManifestPage>(`/manifest?date=${addDays(today(), 1)}`)).tickets.map((x) => x.ticketId),
    ).toContain(t!.ticketId);

    await refundTicket(pg.db, t!.ticketId);
    for (const day of [today(), addDays(today(), 1)]) {
      const changes = await get<ChangesPage>(`/changes?date=${day}&cursor=${manifest.cursor}`);
      expect(changes.tickets.find((x) => x.ticketId === t!.ticketId)).toMatchObject({ status: 'refunded' });
    }
  });
});
