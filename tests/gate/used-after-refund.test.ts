import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { listDoubleEntries, listUsedAfterRefund } from '../../core/checkin/ledger.js';
import type { JournalEntry } from '../../core/checkin/protocol.js';
import {
  issueOrder,
  refundTicket,
  registerGate,
  seedArea,
  startGateApi,
  type AreaFixture,
} from './fixtures.js';

/**
 * Issue 17 item 4: an offline gate admits a ticket; before its journal arrives the ticket
 * is refunded (or rescheduled): the centre has not seen the entry, so it allows that. The
 * late upload used to count the entry on the refunded ticket without a word. Now the
 * ledger flags it `used_after_refund`, audits it and tells the outbox, once.
 */
describe('17.4 an offline entry on a ticket refunded before the journal arrived is flagged', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let cred = '';
  let seq = 0;

  const upload = async (ticketId: string, at: Date) => {
    const entry: JournalEntry = {
      scanId: randomUUID(),
      seq: ++seq,
      at: at.toISOString(),
      media: 'qr',
      direction: 'in',
      ticketId,
      decision: 'admit',
      reason: 'ok',
      mode: 'offline',
    };
    const res = await fetch(`${api.url}/journal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entries: [entry] }),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    cred = (await registerGate(pg.db, fx, 'g-refund', 'east')).credential;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('17.4 refunded, then the offline entry uploads: flagged used_after_refund, audited, once', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const admittedAt = new Date(Date.now() - 10 * 60_000);
    await refundTicket(pg.db, t!.ticketId); // the refund the centre allowed, not knowing of the entry
    await upload(t!.ticketId, admittedAt);
    const flags = await listUsedAfterRefund(pg.db, fx.areaId, 'open');
    expect(flags.map((f) => f.ticketId)).toEqual([t!.ticketId]);
    expect(flags[0]!.gateIds).toEqual(['g-refund']);
    expect(
      await pg.db('outbox').where({ topic: 'checkin.used_after_refund', aggregate_id: t!.ticketId }),
    ).toHaveLength(1);
    expect(
      await pg
        .db('audit_log')
        .where({ action: 'scenic.checkin.used_after_refund', subject: `ticket:${t!.ticketId}` }),
    ).toHaveLength(1);
    // it is not a double entry, and the entry the visitor made still counts
    expect((await listDoubleEntries(pg.db, fx.areaId)).map((f) => f.ticketId)).not.toContain(t!.ticketId);
    expect(await pg.db('tickets').where({ id: t!.ticketId }).first('entries_used')).toEqual({
      entries_used: 1,
    });
    // a second gate's upload of the same ticket updates the flag, without a second event
    await upload(t!.ticketId, new Date(admittedAt.getTime() + 60_000));
    expect(
      await pg.db('outbox').where({ topic: 'checkin.used_after_refund', aggregate_id: t!.ticketId }),
    ).toHaveLength(1);
  });

  it('17.4 a rescheduled ticket entered offline on its old date is flagged too', async () => {
    const [t] = await issueOrder(pg.db, fx);
    await pg
      .db('tickets')
      .where({ id: t!.ticketId })
      .update({ status: 'rescheduled', revoked_at: new Date() });
    await upload(t!.ticketId, new Date(Date.now() - 5 * 60_000));
    expect((await listUsedAfterRefund(pg.db, fx.areaId)).map((f) => f.ticketId)).toContain(t!.ticketId);
  });

  it('17.4 an entry on a valid ticket raises no such flag', async () => {
    const [t] = await issueOrder(pg.db, fx);
    await upload(t!.ticketId, new Date());
    expect((await listUsedAfterRefund(pg.db, fx.areaId)).map((f) => f.ticketId)).not.toContain(t!.ticketId);
  });
});
