import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, journalKeyFrom, type NewEntry } from './journal.js';

const dir = mkdtempSync(join(tmpdir(), 'scenic-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (patch: Partial<NewEntry> = {}): NewEntry => ({
  scanId: randomUUID(),
  at: new Date().toISOString(),
  media: 'qr',
  direction: 'in',
  ticketId: randomUUID(),
  decision: 'admit',
  reason: 'ok',
  mode: 'offline',
  units: 1,
  ...patch,
});

describe('gate journal', () => {
  it('commits concurrent appends, keeps order, and survives reopening', async () => {
    const path = join(dir, 'a.db');
    const j = new Journal(path);
    expect(j.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(j.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const batch = Array.from({ length: 50 }, (_, i) => entry({ units: i % 2 ? 3 : 1 }));
    await Promise.all(batch.map((e) => j.append([e])));
    await j.append([
      entry({ direction: 'out', ticketId: null }),
      entry({ decision: 'deny', reason: 'revoked' }),
    ]);
    j.close();

    const again = new Journal(path);
    const rows = again.unsynced(1000);
    expect(rows.slice(0, 50).map((r) => r.scanId)).toEqual(batch.map((e) => e.scanId));
    expect(rows.map((r) => r.seq)).toEqual([...rows.map((r) => r.seq)].sort((a, b) => a - b));
    expect(again.pendingMovements()).toEqual({ entries: 25 * 1 + 25 * 3, exits: 1 });
    again.markSynced(rows[9]!.seq);
    expect(again.backlog()).toBe(rows.length - 10);
    expect(again.localAdmits().get(batch[0]!.ticketId!)).toBe(1);
    again.close();
  });

  it('refuses a duplicate scan id instead of overwriting a decision', async () => {
    const j = new Journal(join(dir, 'b.db'));
    const e = entry();
    await j.append([e]);
    await expect(j.append([{ ...e, decision: 'deny', reason: 'revoked' }])).rejects.toThrow(/UNIQUE/);
    expect(j.unsynced(10)).toHaveLength(1);
    expect(j.unsynced(10)[0]!.decision).toBe('admit');
    j.close();
  });

  it('prunes only synced entries older than the cut-off', async () => {
    const j = new Journal(join(dir, 'c.db'));
    const old = new Date(Date.now() - 30 * 86_400_000).toISOString();
    await j.append([entry({ at: old }), entry({ at: old }), entry()]);
    j.markSynced(j.unsynced(10)[0]!.seq);
    expect(j.prune(new Date(Date.now() - 86_400_000).toISOString())).toBe(1);
    expect(j.count()).toBe(2);
    j.close();
  });
});

describe('17.5 the journal encrypted at rest', () => {
  it('17.5 keeps the manifest and its key sealed under the credential-derived key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenic-journal-sealed-'));
    const path = join(dir, 'j.sqlite');
    const key = journalKeyFrom('sgd1.east-1.secret-of-the-device');
    const j = new Journal(path, key);
    const hash = 'IDHASH-visitor-0001-abcdefghijklmn';
    j.replaceManifest(
      [
        {
          ticketId: '0191f3a2-7c4e-7d10-9a6b-3c2d1e0f4a5b',
          orderId: '0191f3a2-7c4e-7d10-9a6b-3c2d1e0f4a5c',
          productId: 'adult',
          date: '2026-07-15',
          validUntil: null,
          slotStartMin: 0,
          slotEndMin: 1439,
          entriesAllowed: 1,
          entriesUsedElsewhere: 0,
          exitsUsedElsewhere: 0,
          units: 1,
          status: 'valid',
          idHash: hash,
          cardUid: 'CARD-UID-0042',
        },
      ],
      { manifestDate: '2026-07-15', manifestKey: 'MANIFEST-KEY-of-the-day' },
    );
    expect(j.manifest()[0]!.idHash).toBe(hash);
    expect(j.get('manifestKey')).toBe('MANIFEST-KEY-of-the-day');
    j.db.pragma('wal_checkpoint(TRUNCATE)');
    j.close();
    const file = readFileSync(path).toString('latin1');
    for (const secret of [hash, 'CARD-UID-0042', 'MANIFEST-KEY-of-the-day'])
      expect(file).not.toContain(secret);
    // another device's credential cannot read it
    const other = new Journal(path, journalKeyFrom('sgd1.east-2.other'));
    expect(() => other.manifest()).toThrow();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

/** The journal's files as bytes: the database, its WAL and shared-memory index. */
const filesOf = (path: string) =>
  ['', '-wal', '-shm']
    .map((s) => {
      try {
        return readFileSync(path + s).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('\n');

describe('17.5 scan rows encrypted at rest', () => {
  const key = journalKeyFrom('sgd1.east-1.secret-of-the-device');
  const ticket = (ticketId: string, idHash: string) => ({
    ticketId,
    orderId: randomUUID(),
    productId: 'adult',
    date: '2026-07-15',
    validUntil: null,
    slotStartMin: 0,
    slotEndMin: 1439,
    entriesAllowed: 1,
    entriesUsedElsewhere: 0,
    exitsUsedElsewhere: 0,
    units: 1,
    status: 'valid' as const,
    idHash,
    cardUid: null,
  });

  it('17.5 a journal file holds no plaintext ticket id, order id or ID hash, and still counts and syncs per ticket', async () => {
    const path = join(dir, 'scans-sealed.db');
    const j = new Journal(path, key);
    const [a, b] = [randomUUID(), randomUUID()];
    const hashA = 'IDHASH-of-visitor-a-0123456789abcdef';
    j.replaceManifest([ticket(a, hashA), ticket(b, 'IDHASH-of-visitor-b-0123456789abcdef')], {
      manifestDate: '2026-07-15',
      manifestKey: 'MANIFEST-KEY-of-the-day',
    });
    j.applyChanges([ticket(a, hashA)], 7);
    await j.append([
      entry({ ticketId: a }),
      entry({ ticketId: b }),
      entry({ ticketId: null, reason: 'malformed', decision: 'deny' }),
    ]);
    await j.append([entry({ ticketId: a, direction: 'out' })]);
    // before any checkpoint, the WAL holds the rows: it is searched as well as the database
    const orderIds = j.manifest().map((t) => t.orderId);
    for (const secret of [a, b, hashA, 'MANIFEST-KEY-of-the-day', ...orderIds])
      expect(filesOf(path)).not.toContain(secret);
    // the journal's semantics are unchanged: per ticket, in order, synced by seq
    expect(j.unsynced(10).map((e) => e.ticketId)).toEqual([a, b, null, a]);
    expect(j.localAdmits()).toEqual(
      new Map([
        [a, 1],
        [b, 1],
      ]),
    );
    expect(j.localExits()).toEqual(new Map([[a, 1]]));
    expect(j.pendingMovements()).toEqual({ entries: 2, exits: 1 });
    j.markSynced(j.unsynced(10)[1]!.seq);
    expect(j.unsynced(10).map((e) => e.ticketId)).toEqual([null, a]);
    j.db.pragma('wal_checkpoint(TRUNCATE)');
    j.close();
    for (const secret of [a, b, hashA, ...orderIds]) expect(filesOf(path)).not.toContain(secret);
    // reopened (a restart), the same view; another device's key reads no ticket
    const again = new Journal(path, key);
    expect(again.localAdmits()).toEqual(
      new Map([
        [a, 1],
        [b, 1],
      ]),
    );
    again.close();
    const other = new Journal(path, journalKeyFrom('sgd1.east-2.other'));
    expect(() => other.unsynced(10)).toThrow();
    other.close();
  });

  it('17.5 a journal written before rows were sealed is sealed on its first open with the key', async () => {
    const path = join(dir, 'scans-legacy.db');
    const t = randomUUID();
    const plain = new Journal(path);
    plain.replaceManifest([ticket(t, 'IDHASH-legacy-0123456789abcdef')], { manifestDate: '2026-07-15' });
    await plain.append([entry({ ticketId: t })]);
    plain.db.pragma('wal_checkpoint(TRUNCATE)');
    plain.close();
    expect(filesOf(path)).toContain(t); // the old format kept it in clear
    const sealed = new Journal(path, key);
    expect(sealed.unsynced(10).map((e) => e.ticketId)).toEqual([t]);
    expect(sealed.manifest().map((m) => m.ticketId)).toEqual([t]);
    expect(sealed.localAdmits()).toEqual(new Map([[t, 1]]));
    sealed.close();
    expect(filesOf(path)).not.toContain(t);
    expect(filesOf(path)).not.toContain('IDHASH-legacy-0123456789abcdef');
  });
});
