import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { localTime } from '../core/time.js';
import {
  JOURNAL_BATCH_MAX,
  type Direction,
  type HealthReport,
  type ManifestTicket,
  type Media,
  type Presence,
} from '../core/checkin/protocol.js';
import { DISPLAY, type CheckinReason } from '../core/checkin/reasons.js';
import type { Decision, EntranceRules } from '../core/checkin/rules.js';
import type { GateKind } from '../core/checkin/devices.js';
import { CentralError, type CentralClient } from './central.js';
import type { Journal, NewEntry } from './journal.js';
import { GateState, type Resolution, type Resolved } from './state.js';

/** Face recognition is pluggable: a verifier maps a capture to a ticket id of the day. */
export interface FaceVerifier {
  identify(capture: string): Promise<string | undefined>;
}

export interface ScanRequest {
  qr?: string;
  idNumber?: string;
  cardUid?: string;
  face?: string;
  direction: Direction;
  /** Handheld devices only: admit every ticket of the scanned ticket's order. */
  group?: boolean;
  /** An exit passage reported by the turnstile's sensor: counts without a ticket. */
  sensor?: boolean;
  /** A group ticket (core/groups): the persons going through now; absent: all still outside. */
  persons?: number;
}

export interface TicketOutcome {
  scanId: string;
  ticketId: string | null;
  open: boolean;
  reason: CheckinReason;
  display: string;
  mode: 'online' | 'offline';
  /** a group ticket: its party (masked names), the persons let through now and those still outside */
  group?: GroupOutcome;
}

export interface GroupOutcome {
  size: number;
  persons: number;
  remaining: number;
  members: string[];
}

export interface ScanResult extends TicketOutcome {
  /** Every ticket decided by this scan (one, or a whole order in group mode). */
  tickets: TicketOutcome[];
}

export interface AgentOptions {
  journal: Journal;
  central: CentralClient;
  clock: Clock;
  log: Logger;
  precheck: boolean;
  precheckBudgetMs: number;
  refreshIntervalMs: number;
  version?: string;
  face?: FaceVerifier;
}

/** Synced journal entries are kept this long on the node (tickets are date-bound). */
const JOURNAL_RETENTION_MS = 14 * 86_400_000;

interface Pending {
  t: Resolved;
  d: Decision;
  scanId: string;
  mode: 'online' | 'offline';
  /** persons the scan lets through (a group's n of its size; else the ticket's units) */
  persons: number;
}

/** Entries an admit counts for the ticket: a group's persons (core/groups), else one. */
const entriesOf = (x: Pending) => (x.t.facts.group ? x.persons : 1);

const mediaOf = (r: ScanRequest): Media =>
  r.qr !== undefined
    ? 'qr'
    : r.idNumber !== undefined
      ? 'id'
      : r.cardUid !== undefined
        ? 'nfc'
        : r.face !== undefined
          ? 'face'
          : r.sensor
            ? 'sensor'
            : 'none';

/**
 * The gate agent: decides scans locally with the shared rules, asks the centre first
 * while online (within a short budget), journals every decision durably before the
 * turnstile opens, and syncs both ways.
 */
export class GateAgent {
  readonly state = new GateState();
  online = false;
  lastSyncAt: Date | null = null;
  offlineSince: Date | null = null;
  journalOk = true;
  private lastRefreshAt = 0;
  private syncing: Promise<void> | null = null;

  constructor(private readonly o: AgentOptions) {
    this.restore();
  }

  /** Rebuilds the in-memory view from the journal file (restart without network). */
  private restore(): void {
    const j = this.o.journal;
    const keys = j.get<{ kid: string; publicKey: string }[]>('keys');
    if (keys) this.state.setKeys(keys);
    this.state.rules = j.get<EntranceRules>('rules') ?? null;
    this.state.kind = j.get<GateKind>('kind') ?? 'turnstile';
    this.state.presence = j.get<Presence>('presence') ?? null;
    const date = j.get<string>('manifestDate');
    const key = j.get<string>('manifestKey');
    if (date && key) this.state.setManifest(date, key, j.get<number>('cursor') ?? 0, j.manifest());
    for (const [t, n] of j.localAdmits()) this.state.localAdmits.set(t, n);
    for (const [t, n] of j.localExits()) this.state.localExits.set(t, n);
    const pending = j.pendingMovements();
    this.state.pendingEntries = pending.entries;
    this.state.pendingExits = pending.exits;
    const last = j.get<string>('lastSyncAt');
    this.lastSyncAt = last ? new Date(last) : null;
    this.offlineSince = this.o.clock.now();
  }

  async scan(req: ScanRequest): Promise<ScanResult> {
    const now = this.o.clock.now();
    const media = mediaOf(req);
    // Exits always open (people must be able to leave), ready or not.
    if (req.direction === 'out') return this.exit(req, media, now);
    if (!this.state.ready) return this.record([this.denied(null, 'gate_not_ready', now, media, 'in')]);
    let resolution = await this.resolve(req);
    // A key we do not know yet may be a fresh rotation: online, fetch the keys within the
    // pre-check budget and look again.
    if (!resolution.ok && resolution.reason === 'unknown_key' && this.online && (await this.refreshKeys()))
      resolution = await this.resolve(req);
    if (!resolution.ok) return this.record([this.denied(null, resolution.reason, now, media, 'in')]);
    let candidates: Resolved[];
    if (req.group) {
      if (this.state.kind !== 'handheld')
        return this.record([
          this.denied(resolution.tickets[0]!.facts.ticketId, 'not_allowed_for_device', now, media, 'in'),
        ]);
      const orderId = resolution.tickets[0]!.orderId;
      candidates = orderId ? this.state.orderTickets(orderId) : resolution.tickets;
    } else {
      // One ID number may hold several tickets of the day: the first that admits wins.
      const first =
        resolution.tickets.find((t) => this.state.decide(t, now, req.persons).admit) ??
        resolution.tickets[0]!;
      candidates = [first];
    }
    const decided = candidates.map((t): Pending => {
      const d = this.state.decide(t, now, req.persons);
      const x: Pending = {
        t,
        d,
        scanId: randomUUID(),
        mode: 'offline',
        persons: this.state.personsOf(t, req.persons),
      };
      if (d.admit) this.state.reserve(t.facts.ticketId, x.persons, entriesOf(x));
      return x;
    });
    // Online, the centre is asked about every admission when prechecks are on, and always about
    // a ticket today's manifest does not list yet (bought a moment ago): its word admits it (17.12).
    if (this.online) {
      const ask = this.o.precheck ? decided : decided.filter((x) => x.t.unlisted);
      if (ask.length) await this.askCentre(ask, now, media);
    }
    // A token no current manifest lists admits only on the centre's word (17.12).
    for (const x of decided)
      if (x.d.admit && x.t.unlisted && x.mode !== 'online') {
        this.state.release(x.t.facts.ticketId, x.persons, entriesOf(x));
        x.d = { admit: false, reason: 'unknown_ticket' };
      }
    const entries = decided.map(({ t, d, scanId, mode, persons }) => ({
      ...this.entry(scanId, t.facts.ticketId, d, now, media, 'in', mode, persons),
      // a group's scan journals its persons: the ledger counts them within the party size
      ...(t.facts.group && d.admit ? { persons } : {}),
    }));
    try {
      await this.o.journal.append(entries);
    } catch (e) {
      for (const x of decided) if (x.d.admit) this.state.release(x.t.facts.ticketId, x.persons, entriesOf(x));
      return this.journalFailed(e, now, media);
    }
    this.journalOk = true;
    this.kick();
    return this.result(entries, decided);
  }

  private async refreshKeys(): Promise<boolean> {
    try {
      const keys = await this.o.central.keys(this.o.precheckBudgetMs);
      this.state.setKeys(keys.keys);
      this.o.journal.set('keys', keys.keys);
      return true;
    } catch (e) {
      this.markOffline(e);
      return false;
    }
  }

  /** Online, movements reach the centre right away instead of at the next round. */
  private kick(): void {
    if (this.online && !this.syncing) setImmediate(() => void this.sync());
  }

  private async resolve(req: ScanRequest): Promise<Resolution> {
    if (req.qr !== undefined)
      return this.state.resolveQr(
        req.qr,
        this.state.rules ? localTime(this.o.clock.now(), this.state.rules.timezone).date : undefined,
      );
    if (req.idNumber !== undefined)
      return this.state.kind === 'handheld'
        ? this.lookupIdOnline(req.idNumber)
        : this.state.resolveIdNumber(req.idNumber);
    if (req.cardUid !== undefined) return this.state.resolveCard(req.cardUid);
    if (req.face !== undefined && this.o.face) {
      const id = await this.o.face.identify(req.face);
      return id ? this.state.resolveTicketId(id) : { ok: false, reason: 'unknown_ticket' };
    }
    return { ok: false, reason: 'unsupported_media' };
  }

  /**
   * An ID card at a handheld (17.5): a handheld holds no ID-number hashes, so the number is
   * asked of the centre (rate-limited there per device) and the tickets it names are decided
   * from this gate's manifest like a QR's. Offline there is no answer: refused with a reason
   * that tells staff to ask for the QR code. The number itself is never journaled.
   */
  private async lookupIdOnline(idNumber: string): Promise<Resolution> {
    if (!this.online) return { ok: false, reason: 'id_lookup_offline' };
    let ids: string[];
    try {
      ids = (await this.o.central.idLookup(idNumber, Math.max(this.o.precheckBudgetMs, 1_000))).tickets;
    } catch (e) {
      if (e instanceof CentralError && e.kind === 'rejected' && e.status === 429)
        return { ok: false, reason: 'id_lookup_limited' };
      if (!(e instanceof CentralError && e.kind === 'rejected')) this.markOffline(e);
      return { ok: false, reason: 'id_lookup_offline' };
    }
    const tickets = ids.flatMap((id) => {
      const r = this.state.resolveTicketId(id);
      return r.ok ? r.tickets : [];
    });
    return tickets.length ? { ok: true, tickets } : { ok: false, reason: 'unknown_ticket' };
  }

  /** Online: the centre's answer wins; no answer within the budget leaves the offline decision. */
  private async askCentre(decided: Pending[], now: Date, media: Media): Promise<void> {
    await Promise.all(
      decided.map(async (x) => {
        if (!x.d.admit) return;
        try {
          const r = await this.o.central.precheck(
            {
              scanId: x.scanId,
              ticketId: x.t.facts.ticketId,
              at: now.toISOString(),
              media,
              ...(x.t.facts.group ? { persons: x.persons } : {}),
            },
            this.o.precheckBudgetMs,
          );
          x.mode = 'online';
          if (!r.admit) {
            this.state.release(x.t.facts.ticketId, x.persons, entriesOf(x));
            x.d = { admit: false, reason: r.reason === 'ok' ? 'unknown_ticket' : r.reason };
          }
        } catch (e) {
          this.markOffline(e);
        }
      }),
    );
  }

  /**
   * An exit always opens (people must be able to leave), but it counts only with a ticket
   * this gate resolves or a passage event of the turnstile's own sensor (17.2): a LAN
   * client posting bare exits cannot empty the in-park figure. Nor can a burst of counted
   * exits take this gate's own estimate below zero and then swallow the next entries.
   */
  private async exit(req: ScanRequest, media: Media, now: Date): Promise<ScanResult> {
    let ticketId: string | null = null;
    if (media !== 'none' && media !== 'sensor' && this.state.ready) {
      const r = await this.resolve(req);
      if (r.ok) ticketId = r.tickets[0]!.facts.ticketId;
    }
    const counted = ticketId !== null || req.sensor === true;
    const e = this.entry(
      randomUUID(),
      ticketId,
      counted ? { admit: true, reason: 'ok' } : { admit: false, reason: 'exit_not_counted' },
      now,
      media,
      'out',
      'offline',
      1,
    );
    const pending = counted && this.state.inPark() > 0;
    if (pending) this.state.pendingExits += 1;
    if (ticketId) this.state.noteExit(ticketId, 1);
    try {
      await this.o.journal.append([e]);
    } catch (err) {
      if (pending) this.state.pendingExits -= 1;
      if (ticketId) this.state.noteExit(ticketId, -1);
      return this.journalFailed(err, now, media);
    }
    this.kick();
    return this.result([e]);
  }

  private denied(
    ticketId: string | null,
    reason: CheckinReason,
    now: Date,
    media: Media,
    direction: Direction,
  ): NewEntry {
    return this.entry(
      randomUUID(),
      ticketId,
      { admit: false, reason: reason === 'ok' ? 'unknown_ticket' : reason },
      now,
      media,
      direction,
      'offline',
      0,
    );
  }

  private entry(
    scanId: string,
    ticketId: string | null,
    d: Decision,
    now: Date,
    media: Media,
    direction: Direction,
    mode: 'online' | 'offline',
    units: number,
  ): NewEntry {
    return {
      scanId,
      at: now.toISOString(),
      media,
      direction,
      ticketId,
      decision: d.admit ? 'admit' : 'deny',
      reason: d.reason,
      mode,
      units: d.admit ? units : 0,
    };
  }

  private async record(entries: NewEntry[]): Promise<ScanResult> {
    try {
      await this.o.journal.append(entries);
    } catch (e) {
      return this.journalFailed(e, this.o.clock.now(), entries[0]?.media ?? 'none');
    }
    return this.result(entries);
  }

  private journalFailed(e: unknown, _now: Date, _media: Media): ScanResult {
    this.journalOk = false;
    this.o.log.error({ err: e }, 'journal write failed: gate stays shut');
    const o: TicketOutcome = {
      scanId: randomUUID(),
      ticketId: null,
      open: false,
      reason: 'journal_unavailable',
      display: DISPLAY.journal_unavailable,
      mode: 'offline',
    };
    return { ...o, tickets: [o] };
  }

  private result(entries: NewEntry[], decided: Pending[] = []): ScanResult {
    const tickets = entries.map<TicketOutcome>((e, i) => ({
      scanId: e.scanId,
      ticketId: e.ticketId,
      // an exit always opens; an uncounted one is journaled as such
      open: e.decision === 'admit' || e.direction === 'out',
      reason: e.reason,
      display: DISPLAY[e.reason],
      mode: e.mode,
      ...this.groupOutcome(decided[i]),
    }));
    const main = tickets.find((t) => t.open) ?? tickets[0]!;
    return { ...main, tickets };
  }

  /** What the gate's screen shows of a group's scan: the party, the persons through now, the rest. */
  private groupOutcome(x: Pending | undefined): { group?: GroupOutcome } {
    const g = x?.t.facts.group;
    if (!x || !g) return {};
    return {
      group: {
        size: g.size,
        persons: x.d.admit ? x.persons : 0,
        remaining: this.state.personsOf(x.t),
        members: x.t.members ?? [],
      },
    };
  }

  markOffline(e: unknown): void {
    if (this.online || !this.offlineSince)
      this.o.log.warn(
        { err: e instanceof Error ? e.message : String(e) },
        'centre unreachable: deciding offline',
      );
    this.online = false;
    this.offlineSince ??= this.o.clock.now();
  }

  private markOnline(): void {
    if (!this.online)
      this.o.log.info({ offlineSince: this.offlineSince?.toISOString() }, 'centre reachable: online');
    this.online = true;
    this.offlineSince = null;
    this.lastSyncAt = this.o.clock.now();
    this.o.journal.set('lastSyncAt', this.lastSyncAt.toISOString());
  }

  /** One sync round; concurrent callers share it. */
  sync(): Promise<void> {
    this.syncing ??= this.syncRound().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncRound(): Promise<void> {
    try {
      const nowMs = this.o.clock.now().getTime();
      if (!this.state.ready || nowMs - this.lastRefreshAt >= this.o.refreshIntervalMs) {
        await this.pullRulesAndKeys();
        this.lastRefreshAt = nowMs;
      }
      const today = localTime(this.o.clock.now(), this.state.rules!.timezone).date;
      if (this.state.manifestDate !== today) await this.pullManifest(today);
      await this.pushJournal();
      await this.pullChanges(today);
      this.markOnline();
    } catch (e) {
      this.markOffline(e);
    }
  }

  private async pullRulesAndKeys(): Promise<void> {
    const [keys, rules] = await Promise.all([this.o.central.keys(), this.o.central.rules()]);
    this.state.setKeys(keys.keys);
    this.state.rules = rules.rules;
    this.state.kind = rules.gate.kind;
    this.state.presence = rules.presence;
    const j = this.o.journal;
    j.db.transaction(() => {
      j.set('keys', keys.keys);
      j.set('rules', rules.rules);
      j.set('kind', rules.gate.kind);
      j.set('presence', rules.presence);
    })();
  }

  private async pullManifest(date: string): Promise<void> {
    const tickets: ManifestTicket[] = [];
    let after: string | null = null;
    let key = '';
    let cursor = 0;
    for (let first = true; first || after; first = false) {
      const page = await this.o.central.manifest(date, after);
      if (first) cursor = page.cursor;
      key = page.manifestKey;
      tickets.push(...page.tickets);
      after = page.next;
    }
    this.o.journal.replaceManifest(tickets, { manifestDate: date, manifestKey: key, cursor });
    // A new day: entries synced long ago are history kept by the centre.
    const pruned = this.o.journal.prune(
      new Date(this.o.clock.now().getTime() - JOURNAL_RETENTION_MS).toISOString(),
    );
    if (pruned) this.o.log.info({ pruned }, 'old synced journal entries pruned');
    this.state.setManifest(date, key, cursor, tickets);
    this.o.log.info({ date, tickets: tickets.length }, 'manifest synced');
  }

  private async pullChanges(date: string): Promise<void> {
    for (let more = true; more;) {
      const from = this.state.cursor;
      const page = await this.o.central.changes(date, from);
      if (page.tickets.length || page.cursor !== from) {
        this.o.journal.applyChanges(page.tickets, page.cursor);
        this.state.applyChanges(page.tickets, page.cursor);
      }
      this.state.changesSeen = Math.max(this.state.changesSeen, page.highest, page.cursor);
      more = page.more && page.cursor > from;
      this.setPresence(page.presence);
    }
  }

  /** Uploads the journal in order; the centre answers with its in-park figure. */
  private async pushJournal(): Promise<void> {
    for (;;) {
      const batch = this.o.journal.unsynced(JOURNAL_BATCH_MAX);
      if (!batch.length) return;
      const r = await this.o.central.journal(batch);
      this.o.journal.markSynced(batch[batch.length - 1]!.seq);
      this.setPresence(r.presence);
      const pending = this.o.journal.pendingMovements();
      this.state.pendingEntries = pending.entries;
      this.state.pendingExits = pending.exits;
    }
  }

  /** The centre's in-park figure; it also carries the area's current instantaneous capacity. */
  private setPresence(p: Presence): void {
    const changed = JSON.stringify(p) !== JSON.stringify(this.state.presence);
    this.state.presence = p;
    if (this.state.rules && this.state.rules.instantCapacity !== p.instantCapacity) {
      this.state.rules = { ...this.state.rules, instantCapacity: p.instantCapacity };
      this.o.journal.set('rules', this.state.rules);
    }
    if (changed) this.o.journal.set('presence', p);
  }

  health(): HealthReport {
    return {
      version: this.o.version ?? '0.1.0',
      journalBacklog: this.o.journal.backlog(),
      lastSyncAt: this.lastSyncAt?.toISOString() ?? null,
      offlineSince: this.offlineSince?.toISOString() ?? null,
      manifestTickets: this.state.manifestSize,
      manifestDate: this.state.manifestDate,
      keys: this.state.keys.size,
      changeCursor: this.state.cursor,
      changesSeen: Math.max(this.state.changesSeen, this.state.cursor),
      journalOk: this.journalOk,
    };
  }

  async reportHealth(): Promise<void> {
    try {
      await this.o.central.health(this.health());
    } catch (e) {
      this.markOffline(e);
    }
  }
}
