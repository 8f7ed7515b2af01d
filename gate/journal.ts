import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, ManifestTicket } from '../core/checkin/protocol.js';

/**
 * The gate's local, durable state: the journal of every decision and the synced
 * manifest, in one SQLite file in WAL mode with `synchronous=FULL`, so a commit has
 * reached the disk (fsync) before it returns. The turnstile opens only after the
 * decision's commit: a `kill -9` or a power cut right after the gate opened loses
 * nothing.
 *
 * Commits are grouped: decisions taken in the same event-loop turn share one
 * transaction (one fsync), which keeps p99 flat when several lanes scan at once.
 */
/** A decision to journal; `units` (persons) stays local, for the in-park estimate. */
export type NewEntry = Omit<JournalEntry, 'seq'> & { units: number };

interface Waiter {
  entries: NewEntry[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The key that encrypts the journal file at rest (17.5): the manifest (ID hashes, card
 * UIDs, order ids), its ID-hash key, and every scan row's ticket id (sealed in `doc`, a
 * keyed tag in the indexed column). Derived from the device credential, which lives in the
 * mounted Secret, never in the journal directory: a copied journal file alone reveals no
 * visitor's hash and no ticket id. Times, directions, decisions and reasons stay plain —
 * the backlog, the in-park estimate and pruning read them in SQL, and they name nobody.
 */
export function journalKeyFrom(credential: string): Buffer {
  return Buffer.from(hkdfSync('sha256', credential, 'scenic-gate-journal', 'manifest-v1', 32));
}

const SEALED = 'g1:';

function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return SEALED + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, stored: string): string {
  if (!stored.startsWith(SEALED)) return stored; // written before encryption: plain JSON
  const raw = Buffer.from(stored.slice(SEALED.length), 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}

/** kv entries sealed like the manifest: the day's ID-hash key. */
const SEALED_KEYS = new Set(['manifestKey']);

/**
 * A keyed tag stands in for a ticket id in the journal's and the manifest's indexed
 * columns (17.5): equal ids give equal tags, so the journal still counts per ticket and
 * upserts the manifest by ticket in SQL, but the file holds no ticket id in clear. The
 * id itself travels sealed in the row's `doc`.
 */
const TAG = 't1:';
const tagKeyOf = (key: Buffer) =>
  Buffer.from(hkdfSync('sha256', key, 'scenic-gate-journal', 'ticket-tag-v1', 32));

/** What a scan row seals: the fields that name a ticket or a visitor. */
interface SealedScan {
  ticketId: string | null;
}

type Row = Omit<NewEntry, 'ticketId' | 'persons'> & {
  ticketId: string | null;
  doc: string | null;
  /** a group ticket's scan: its persons (core/groups); null otherwise */
  persons: number | null;
};

export class Journal {
  readonly db: Db;
  private readonly insert: Statement;
  private readonly kvSet: Statement;
  private readonly kvGet: Statement<[string], { v: string }>;
  private waiting: Waiter[] = [];
  private scheduled = false;
  private readonly tagKey?: Buffer;

  /** `key`: see {@link journalKeyFrom}; without one (tests) the manifest is stored plain. */
  constructor(
    path: string,
    private readonly key?: Buffer,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // freed and overwritten cells are zeroed: a pruned or re-sealed row leaves nothing readable behind
    this.db.pragma('secure_delete = on');
    if (key) this.tagKey = tagKeyOf(key);
    this.db.exec(`
      create table if not exists journal (
        seq integer primary key autoincrement,
        scan_id text not null unique,
        at text not null,
        media text not null,
        direction text not null,
        ticket_id text,
        decision text not null,
        reason text not null,
        mode text not null,
        units integer not null default 1,
        synced integer not null default 0
      );
      create index if not exists journal_unsynced on journal (synced, seq);
      create index if not exists journal_ticket on journal (ticket_id);
      create table if not exists kv (k text primary key, v text not null);
      create table if not exists manifest (ticket_id text primary key, doc text not null);
    `);
    // journals written before scan rows were sealed have no doc column
    const cols = this.db.prepare<[], { name: string }>('pragma table_info(journal)').all();
    if (!cols.some((c) => c.name === 'doc')) this.db.exec('alter table journal add column doc text');
    // journals written before group tickets (core/groups) have no persons column
    if (!cols.some((c) => c.name === 'persons'))
      this.db.exec('alter table journal add column persons integer');
    this.insert = this.db.prepare(
      `insert into journal (scan_id, at, media, direction, ticket_id, doc, decision, reason, mode, units, persons)
       values (@scanId, @at, @media, @direction, @ticketId, @doc, @decision, @reason, @mode, @units, @persons)`,
    );
    this.kvSet = this.db.prepare(
      'insert into kv (k, v) values (?, ?) on conflict (k) do update set v = excluded.v',
    );
    this.kvGet = this.db.prepare<[string], { v: string }>('select v from kv where k = ?');
    if (this.key) this.sealLegacyRows();
  }

  /** The indexed stand-in of a ticket id: a keyed tag, or the id itself without a key (tests). */
  private tag(ticketId: string): string {
    return this.tagKey
      ? TAG + createHmac('sha256', this.tagKey).update(ticketId).digest('base64url')
      : ticketId;
  }

  private toRow(e: NewEntry): Row {
    if (!this.key) return { ...e, doc: null, persons: e.persons ?? null };
    const sealed: SealedScan = { ticketId: e.ticketId };
    return {
      ...e,
      persons: e.persons ?? null,
      ticketId: e.ticketId === null ? null : this.tag(e.ticketId),
      doc: this.seal(JSON.stringify(sealed)),
    };
  }

  /** A row's ticket id: from its sealed doc, or the plain column of an unsealed journal. */
  private ticketOf(r: { ticketId: string | null; doc: string | null }): string | null {
    return r.doc ? (JSON.parse(this.open(r.doc)) as SealedScan).ticketId : r.ticketId;
  }

  /**
   * A journal written before its rows were sealed (or by an agent without a key) is sealed
   * on the first open with a key, in one transaction, and the WAL truncated after, so the
   * file keeps no ticket id in clear. Idempotent: sealed rows are left alone.
   */
  private sealLegacyRows(): void {
    const scans = this.db
      .prepare<[], { seq: number; t: string }>(
        `select seq, ticket_id as t from journal where doc is null and ticket_id is not null`,
      )
      .all();
    const manifest = this.db
      .prepare<[], { t: string; doc: string }>(
        `select ticket_id as t, doc from manifest where ticket_id not like 't1:%'`,
      )
      .all();
    if (!scans.length && !manifest.length) return;
    const upScan = this.db.prepare('update journal set ticket_id = ?, doc = ? where seq = ?');
    const upManifest = this.db.prepare('update manifest set ticket_id = ?, doc = ? where ticket_id = ?');
    this.db.transaction(() => {
      for (const r of scans) {
        const sealed: SealedScan = { ticketId: r.t };
        upScan.run(this.tag(r.t), this.seal(JSON.stringify(sealed)), r.seq);
      }
      for (const r of manifest) upManifest.run(this.tag(r.t), this.seal(this.open(r.doc)), r.t);
    })();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Appends decisions; resolves once they are on disk. */
  append(entries: NewEntry[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ entries, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    try {
      this.db.transaction(() => {
        for (const w of batch) for (const e of w.entries) this.insert.run(this.toRow(e));
      })();
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    for (const w of batch) w.resolve();
  }

  /** The oldest entries not yet acknowledged by the centre, in journal order. */
  unsynced(limit: number): JournalEntry[] {
    const rows = this.db
      .prepare(
        `select seq, scan_id as scanId, at, media, direction, ticket_id as ticketId, doc, decision, reason, mode, persons
           from journal where synced = 0 order by seq limit ?`,
      )
      .all(limit) as (Omit<JournalEntry, 'persons'> & { doc: string | null; persons: number | null })[];
    return rows.map(({ doc, persons, ...e }) => ({
      ...e,
      ticketId: this.ticketOf({ ticketId: e.ticketId, doc }),
      ...(persons !== null ? { persons } : {}),
    }));
  }

  markSynced(upToSeq: number): void {
    this.db.prepare('update journal set synced = 1 where synced = 0 and seq <= ?').run(upToSeq);
  }

  backlog(): number {
    return this.db.prepare<[], { n: number }>('select count(*) as n from journal where synced = 0').get()!.n;
  }

  /** Admitted entries and exits not yet synced (they are not in the centre's figures yet). */
  pendingMovements(): { entries: number; exits: number } {
    const rows = this.db
      .prepare<[], { direction: string; n: number }>(
        `select direction, sum(units) as n from journal where synced = 0 and decision = 'admit' group by direction`,
      )
      .all();
    return {
      entries: rows.find((r) => r.direction === 'in')?.n ?? 0,
      exits: rows.find((r) => r.direction === 'out')?.n ?? 0,
    };
  }

  /** This gate's admitted entries per ticket, from the whole journal. */
  localAdmits(): Map<string, number> {
    return this.perTicket('in');
  }

  /** This gate's exits scanned with a ticket, per ticket, from the whole journal. */
  localExits(): Map<string, number> {
    return this.perTicket('out');
  }

  private perTicket(direction: 'in' | 'out'): Map<string, number> {
    // grouped by the tag; one sealed doc of each group names the ticket
    const rows = this.db
      .prepare<[string], { t: string; doc: string | null; n: number }>(
        // a group ticket's entries are its persons (core/groups); any other scan is one entry
        `select ticket_id as t, min(doc) as doc, sum(coalesce(persons, 1)) as n from journal
          where direction = ? and decision = 'admit' and ticket_id is not null group by ticket_id`,
      )
      .all(direction);
    return new Map(rows.map((r) => [this.ticketOf({ ticketId: r.t, doc: r.doc })!, r.n]));
  }

  /**
   * Drops synced entries older than `before` (ISO instant). Unsynced entries are never
   * dropped, whatever their age.
   */
  prune(before: string): number {
    return this.db.prepare('delete from journal where synced = 1 and at < ?').run(before).changes;
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('select count(*) as n from journal').get()!.n;
  }

  get<T>(key: string): T | undefined {
    const row = this.kvGet.get(key);
    return row ? (JSON.parse(this.open(row.v)) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    const v = JSON.stringify(value);
    this.kvSet.run(key, SEALED_KEYS.has(key) ? this.seal(v) : v);
  }

  /** Replaces the whole manifest (a new day or a full refresh). */
  replaceManifest(tickets: ManifestTicket[], meta: Record<string, unknown>): void {
    const ins = this.db.prepare('insert into manifest (ticket_id, doc) values (?, ?)');
    this.db.transaction(() => {
      this.db.prepare('delete from manifest').run();
      for (const t of tickets) ins.run(this.tag(t.ticketId), this.seal(JSON.stringify(t)));
      for (const [k, v] of Object.entries(meta)) this.set(k, v);
    })();
  }

  /** Applies changed tickets and moves the cursor in one transaction. */
  applyChanges(tickets: ManifestTicket[], cursor: number): void {
    const up = this.db.prepare(
      'insert into manifest (ticket_id, doc) values (?, ?) on conflict (ticket_id) do update set doc = excluded.doc',
    );
    this.db.transaction(() => {
      for (const t of tickets) up.run(this.tag(t.ticketId), this.seal(JSON.stringify(t)));
      this.set('cursor', cursor);
    })();
  }

  manifest(): ManifestTicket[] {
    return this.db
      .prepare<[], { doc: string }>('select doc from manifest')
      .all()
      .map((r) => JSON.parse(this.open(r.doc)) as ManifestTicket);
  }

  private seal(plain: string): string {
    return this.key ? seal(this.key, plain) : plain;
  }

  private open(stored: string): string {
    if (!stored.startsWith(SEALED)) return stored;
    if (!this.key) throw new Error('the journal is encrypted: the device credential is needed');
    return open(this.key, stored);
  }

  close(): void {
    this.db.close();
  }
}
