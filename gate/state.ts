import type { KeyObject } from 'node:crypto';
import { manifestIdHash, normaliseCardUid } from '../core/checkin/id-hash.js';
import type { ManifestTicket, Presence } from '../core/checkin/protocol.js';
import {
  decideEntry,
  personsOf,
  tokenFailureReason,
  type Decision,
  type EntranceRules,
  type TicketFacts,
  type TicketState,
} from '../core/checkin/rules.js';
import type { DenyReason } from '../core/checkin/reasons.js';
import { importPublicKey, verifyTicket } from '../core/tickets/token.js';
import type { GateKind } from '../core/checkin/devices.js';

/**
 * What the agent knows, in memory, for sub-millisecond decisions: keys, entrance
 * rules, the day's manifest with its ID-hash and card indexes, this gate's own
 * entries per ticket and the last in-park figure. Rebuilt from the journal file at
 * start, so a restart without the network still decides as before.
 */
export interface Resolved {
  facts: TicketFacts;
  orderId: string | null;
  status: ManifestTicket['status'];
  elsewhere: number;
  /** exits with the ticket matched at other gates (re-entry products) */
  exitsElsewhere: number;
  /** A signed token no current manifest lists: admitted only on the centre's word (17.12). */
  unlisted?: boolean;
  /** a group ticket's members, masked, for the gate's screen (core/groups) */
  members?: string[];
}

export type Resolution = { ok: true; tickets: Resolved[] } | { ok: false; reason: DenyReason };

export class GateState {
  keys = new Map<string, KeyObject>();
  rawKeys: { kid: string; publicKey: string }[] = [];
  rules: EntranceRules | null = null;
  kind: GateKind = 'turnstile';
  manifestDate: string | null = null;
  manifestKey: string | null = null;
  cursor = 0;
  /** The newest change applied; ahead of `cursor` while recent changes settle. */
  changesSeen = 0;
  private tickets = new Map<string, ManifestTicket>();
  private byIdHash = new Map<string, string[]>();
  private byCard = new Map<string, string>();
  private byOrder = new Map<string, string[]>();
  /** This gate's admitted entries per ticket (journal), plus in-flight reservations. */
  readonly localAdmits = new Map<string, number>();
  /** this gate's admits of annual passes by manifest day: a pass counts its entries per day (core/passes) */
  private readonly passAdmits = new Map<string, number>();
  private passKey = (ticketId: string) => `${this.manifestDate ?? ''}|${ticketId}`;
  /** This gate's exits scanned with a ticket (journal): a re-entry product may come in again. */
  readonly localExits = new Map<string, number>();
  /** The centre's last in-park figure and this gate's movements not yet in it. */
  presence: Presence | null = null;
  pendingEntries = 0;
  pendingExits = 0;

  get ready(): boolean {
    return this.rules !== null && this.keys.size > 0;
  }

  get manifestSize(): number {
    return this.tickets.size;
  }

  setKeys(keys: { kid: string; publicKey: string }[]): void {
    const next = new Map<string, KeyObject>();
    for (const k of keys) next.set(k.kid, this.keys.get(k.kid) ?? importPublicKey(k.publicKey));
    this.keys = next;
    this.rawKeys = keys;
  }

  setManifest(date: string, key: string, cursor: number, tickets: ManifestTicket[]): void {
    // a new day: yesterday's pass admits no longer count
    if (date !== this.manifestDate) this.passAdmits.clear();
    this.manifestDate = date;
    this.manifestKey = key;
    this.cursor = cursor;
    this.tickets = new Map();
    this.byIdHash = new Map();
    this.byCard = new Map();
    this.byOrder = new Map();
    for (const t of tickets) this.upsert(t);
  }

  applyChanges(tickets: ManifestTicket[], cursor: number): void {
    for (const t of tickets) this.upsert(t);
    this.cursor = cursor;
  }

  private upsert(t: ManifestTicket): void {
    const old = this.tickets.get(t.ticketId);
    if (old) {
      if (old.idHash)
        this.byIdHash.set(
          old.idHash,
          (this.byIdHash.get(old.idHash) ?? []).filter((id) => id !== t.ticketId),
        );
      if (old.cardUid) this.byCard.delete(old.cardUid);
    }
    this.tickets.set(t.ticketId, t);
    if (t.idHash) this.byIdHash.set(t.idHash, [...(this.byIdHash.get(t.idHash) ?? []), t.ticketId]);
    if (t.cardUid) this.byCard.set(normaliseCardUid(t.cardUid), t.ticketId);
    const order = this.byOrder.get(t.orderId) ?? [];
    if (!order.includes(t.ticketId)) this.byOrder.set(t.orderId, [...order, t.ticketId]);
  }

  private resolvedFromManifest(t: ManifestTicket): Resolved {
    return {
      facts: {
        ticketId: t.ticketId,
        areaId: this.rules?.areaId ?? '',
        productId: t.productId,
        date: t.date,
        validUntil: t.validUntil,
        slotStartMin: t.slotStartMin,
        slotEndMin: t.slotEndMin,
        entriesAllowed: t.entriesAllowed,
        units: t.units,
        pass: t.pass,
        group: t.group ? { size: t.group.size } : null,
      },
      ...(t.group ? { members: t.group.members } : {}),
      orderId: t.orderId,
      status: t.status,
      elsewhere: t.entriesUsedElsewhere,
      exitsElsewhere: t.exitsUsedElsewhere,
    };
  }

  /**
   * A QR token: its signature and claims; the manifest's fresher state when it has the
   * ticket. A token missing from a current manifest (today's) is `unlisted` (17.12): the
   * manifest holds every ticket that may enter today, open-dated ones included, so such a
   * token is refunded, expired or forged from a leaked key — only the centre may admit it.
   * Without a current manifest an open-dated token is unlisted too (its revocation could
   * be on any day); a date-bound one is judged on its signed claims.
   */
  resolveQr(token: string, today?: string): Resolution {
    const v = verifyTicket(token, this.keys);
    if (!v.ok) return { ok: false, reason: tokenFailureReason(v.reason) };
    const m = this.tickets.get(v.claims.ticketId);
    if (m) {
      const r = this.resolvedFromManifest(m);
      r.facts.areaId = v.claims.areaId;
      return { ok: true, tickets: [r] };
    }
    const c = v.claims;
    const current = today !== undefined && this.manifestDate === today;
    const unlisted = current || c.date === null;
    return {
      ok: true,
      tickets: [
        {
          facts: {
            ticketId: c.ticketId,
            areaId: c.areaId,
            productId: c.productId,
            date: c.date,
            validUntil: c.validUntil,
            slotStartMin: c.slotStartMin,
            slotEndMin: c.slotEndMin,
            entriesAllowed: c.entriesAllowed,
            units: 1,
          },
          orderId: null,
          status: 'valid',
          elsewhere: 0,
          exitsElsewhere: 0,
          unlisted,
        },
      ],
    };
  }

  /** A resident ID card: every ticket of the day held by that ID number. */
  resolveIdNumber(idNumber: string): Resolution {
    if (!this.manifestKey) return { ok: false, reason: 'unknown_ticket' };
    const ids = this.byIdHash.get(manifestIdHash(this.manifestKey, idNumber)) ?? [];
    const tickets = ids.map((id) => this.tickets.get(id)).filter((t): t is ManifestTicket => t !== undefined);
    return tickets.length
      ? { ok: true, tickets: tickets.map((t) => this.resolvedFromManifest(t)) }
      : { ok: false, reason: 'unknown_ticket' };
  }

  resolveCard(uid: string): Resolution {
    const id = this.byCard.get(normaliseCardUid(uid));
    const t = id ? this.tickets.get(id) : undefined;
    return t
      ? { ok: true, tickets: [this.resolvedFromManifest(t)] }
      : { ok: false, reason: 'unknown_ticket' };
  }

  resolveTicketId(ticketId: string): Resolution {
    const t = this.tickets.get(ticketId);
    return t
      ? { ok: true, tickets: [this.resolvedFromManifest(t)] }
      : { ok: false, reason: 'unknown_ticket' };
  }

  /** The other tickets of the same order (handheld group entry). */
  orderTickets(orderId: string): Resolved[] {
    return (this.byOrder.get(orderId) ?? [])
      .map((id) => this.tickets.get(id))
      .filter((t): t is ManifestTicket => t !== undefined)
      .map((t) => this.resolvedFromManifest(t));
  }

  inPark(): number {
    return Math.max(0, (this.presence?.inPark ?? 0) + this.pendingEntries - this.pendingExits);
  }

  private stateOf(r: Resolved): TicketState {
    return {
      status: r.status,
      entriesUsed:
        r.elsewhere +
        ((r.facts.pass ? this.passAdmits : this.localAdmits).get(
          r.facts.pass ? this.passKey(r.facts.ticketId) : r.facts.ticketId,
        ) ?? 0),
      exitsUsed: r.exitsElsewhere + (this.localExits.get(r.facts.ticketId) ?? 0),
    };
  }

  /** The offline decision, with the shared rules of core/checkin (`persons`: a group's scan). */
  decide(r: Resolved, now: Date, persons?: number): Decision {
    if (!this.rules) return { admit: false, reason: 'gate_not_ready' };
    return decideEntry({
      ticket: r.facts,
      state: this.stateOf(r),
      rules: this.rules,
      now,
      inPark: this.inPark(),
      persons,
    });
  }

  /** The persons a scan lets through: a group's asked or still-outside persons, else the ticket's units. */
  personsOf(r: Resolved, asked?: number): number {
    return personsOf({ ticket: r.facts, state: this.stateOf(r), persons: asked });
  }

  /**
   * An admit in flight or journaled: `units` persons in, counting as `entries` of the
   * ticket (one, or a group's persons: its entries are persons, core/groups).
   */
  reserve(ticketId: string, units: number, entries = 1): void {
    this.localAdmits.set(ticketId, (this.localAdmits.get(ticketId) ?? 0) + entries);
    const k = this.passKey(ticketId);
    this.passAdmits.set(k, (this.passAdmits.get(k) ?? 0) + entries);
    this.pendingEntries += units;
  }

  /** An exit scanned with a ticket, journaled (or taken back when the journal failed). */
  noteExit(ticketId: string, delta: 1 | -1): void {
    const n = (this.localExits.get(ticketId) ?? 0) + delta;
    if (n > 0) this.localExits.set(ticketId, n);
    else this.localExits.delete(ticketId);
  }

  release(ticketId: string, units: number, entries = 1): void {
    const n = (this.localAdmits.get(ticketId) ?? 0) - entries;
    if (n > 0) this.localAdmits.set(ticketId, n);
    else this.localAdmits.delete(ticketId);
    const k = this.passKey(ticketId);
    const m = (this.passAdmits.get(k) ?? 0) - entries;
    if (m > 0) this.passAdmits.set(k, m);
    else this.passAdmits.delete(k);
    this.pendingEntries -= units;
  }
}
