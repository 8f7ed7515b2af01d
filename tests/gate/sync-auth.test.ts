import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { JOURNAL_BATCH_MAX, type JournalEntry } from '../../core/checkin/protocol.js';
import { issueOrder, registerGate, seedArea, startGateApi, type AreaFixture } from './fixtures.js';

/**
 * Issue 17 item 6: `/gate/v1` checks the device credential before it reads a byte of the
 * body, then parses with a limit sized by the protocol's largest message.
 */
describe('gate API: authenticate first, then parse a small body', () => {
  const pg = usePostgres();
  let fx: AreaFixture;
  let api: Awaited<ReturnType<typeof startGateApi>>;
  let credential = '';

  beforeAll(async () => {
    fx = await seedArea(pg.db);
    api = await startGateApi(pg.db, fx.vault);
    credential = (await registerGate(pg.db, fx, 'g-east', 'east')).credential;
  });
  afterAll(async () => api?.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const entries = (n: number, ticketId: string): JournalEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      scanId: randomUUID(),
      seq: i + 1,
      at: new Date().toISOString(),
      media: 'qr',
      direction: 'in',
      ticketId,
      decision: 'deny',
      reason: 'already_redeemed',
      mode: 'offline',
    }));

  it('17.6 answers a caller without a credential 401 before parsing its body (malformed or huge)', async () => {
    const malformed = await post('/journal', '{"entries": [');
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as { code: string }).code).toBe('gate_credential_required');
    const huge = await post('/journal', `{"entries":[${'{"a":1},'.repeat(180_000)}{}]}`, {
      'x-scenic-gate-credential': `sgd1.g-east.${'A'.repeat(43)}`,
    });
    expect(huge.status).toBe(401);
    expect(((await huge.json()) as { code: string }).code).toBe('invalid_gate_credential');
  });

  it('17.6 parses at most the largest protocol message: a full batch fits, anything bigger is refused', async () => {
    const [t] = await issueOrder(pg.db, fx);
    const auth = { 'x-scenic-gate-credential': credential };
    const full = await post(
      '/journal',
      JSON.stringify({ entries: entries(JOURNAL_BATCH_MAX, t!.ticketId) }),
      auth,
    );
    expect(full.status, await full.clone().text()).toBe(200);
    const over = await post('/journal', JSON.stringify({ entries: entries(400, t!.ticketId) }), auth);
    expect(over.status).toBe(400);
    expect(((await over.json()) as { code: string }).code).toBe('body_too_large');
    const tooMany = entries(JOURNAL_BATCH_MAX + 1, t!.ticketId).map((e) => ({ ...e, reason: 'ok' }));
    const many = await post('/journal', JSON.stringify({ entries: tooMany }), auth);
    expect(many.status).toBe(400);
  });
});
