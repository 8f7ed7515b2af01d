import { localTime } from '../time.js';
import type { DenyReason } from './reasons.js';
import type { PassDay } from '../passes/model.js';

/**
 * The check-in rules, as pure functions shared by the online check-in (API) and the
 * offline gate agent, so the two cannot drift. Each policy looks at one concern and
 * returns a deny reason or undefined; the chain runs in order and the first failure
 * wins (cert-manager's policy-chain shape).
 */

/** What an entrance accepts, as the API serves it to gates (`GET /gate/v1/rules`). */
export interface EntranceRules {
  areaId: string;
  entranceId: string;
  /** IANA zone of the area: dates and slot windows are local. */
  timezone: string;
  /** The most visitors inside at once; 0 means not enforced. */
  instantCapacity: number;
  /** Minutes before a slot starts that its tickets are admitted. */
  graceBeforeMin: number;
  /** Minutes after a slot ends that its tickets are still admitted. */
  graceAfterMin: number;
  products: Record<string, ProductRule>;
}

export interface ProductRule {
  /** Entrances that accept the product; null = every entrance of the area. */
  entrances: string[] | null;
  /** An exit with this ticket frees its capacity for sale again. */
  releaseOnExit: boolean;
  /** The ticket may enter again after an exit scanned with it (on its day). */
  reentry: boolean;
}

/** What is known about a ticket, from its signed token or the synced manifest. */
export interface TicketFacts {
  ticketId: string;
  areaId: string;
  productId: string;
  /** YYYY-MM-DD, or null for open-dated. */
  date: string | null;
  /** An open-dated ticket's last local day (YYYY-MM-DD); null or absent = no expiry known. */
  validUntil?: string | null;
  slotStartMin: number;
  slotEndMin: number;
  entriesAllowed: number;
  /** Persons the ticket admits (family tickets: more than one). */
  units: number;
  /**
   * An annual pass's day (core/passes): its entry rule, priority lane and whether it is
   * blocked that day. A pass's `entriesUsed` is that day's. Absent: not a pass.
   */
  pass?: PassDay | null;
  /**
   * A group ticket (core/groups): its `units` are the party's persons and its entries are
   * counted in persons, so one scan may admit n of them. Absent or null: not a group.
   */
  group?: { size: number } | null;
}

/** Ticket statuses of the order lifecycle (core/orders); only `valid` admits. */
export type TicketStatus = 'valid' | 'pending' | 'void' | 'refunded' | 'rescheduled' | 'revoked';

export interface TicketState {
  status: TicketStatus;
  entriesUsed: number;
  /** Exits scanned with the ticket that matched an entry (re-entry products only). */
  exitsUsed?: number;
}

export interface CheckinInput {
  ticket: TicketFacts;
  state: TicketState;
  rules: EntranceRules;
  now: Date;
  /** People inside the area now (entries counted once, minus exits). */
  inPark: number;
  /** A group ticket's scan: the persons asked to go through now (default: all still outside). */
  persons?: number;
}

/** Persons of a group not yet in: its size less its entries (counted in persons). */
export const groupRemaining = (ticket: TicketFacts, state: TicketState): number =>
  Math.max(0, (ticket.group?.size ?? 0) - state.entriesUsed);

/** The persons a scan lets through: a group's asked (or remaining) persons, else the ticket's units. */
export function personsOf(input: Pick<CheckinInput, 'ticket' | 'state' | 'persons'>): number {
  if (!input.ticket.group) return input.ticket.units;
  return input.persons ?? groupRemaining(input.ticket, input.state);
}

export type Decision = { admit: true; reason: 'ok' } | { admit: false; reason: DenyReason };

export type Policy = (input: CheckinInput, local: { date: string; minute: number }) => DenyReason | undefined;

export const checkArea: Policy = ({ ticket, rules }) =>
  ticket.areaId === rules.areaId ? undefined : 'wrong_area';

export const checkStatus: Policy = ({ state }) => {
  if (state.status === 'valid') return undefined;
  return state.status === 'pending' ? 'not_issued' : 'revoked';
};

export const checkDate: Policy = ({ ticket }, local) => {
  if (ticket.date !== null) return ticket.date === local.date ? undefined : 'wrong_date';
  // open-dated: admits until the last day of its validity (17.12)
  return ticket.validUntil && local.date > ticket.validUntil ? 'expired' : undefined;
};

/** An annual pass on a blackout day, or on a busy day without its free slot booking. */
export const checkPassDay: Policy = ({ ticket }) => ticket.pass?.blocked ?? undefined;

export const checkSlotWindow: Policy = ({ ticket, rules }, local) => {
  if (ticket.date === null) return undefined;
  if (local.minute < ticket.slotStartMin - rules.graceBeforeMin) return 'too_early';
  if (local.minute > ticket.slotEndMin + rules.graceAfterMin) return 'too_late';
  return undefined;
};

export const checkEntrance: Policy = ({ ticket, rules }) => {
  const allowed = rules.products[ticket.productId]?.entrances;
  return !allowed || allowed.includes(rules.entranceId) ? undefined : 'wrong_entrance';
};

/**
 * Entries left. A re-entry product's allowance is of holders inside at once: it admits
 * while its entries minus its exits are below `entriesAllowed`.
 */
export const checkEntriesLeft: Policy = ({ ticket, state, rules, persons }) => {
  // a group admits n of its persons per scan, never more than its size in all (core/groups)
  if (ticket.group) {
    const left = groupRemaining(ticket, state);
    if (left === 0) return 'already_redeemed';
    return (persons ?? left) > left ? 'party_exceeded' : undefined;
  }
  // a pass counts the day's entries: one (once a day), or any number (unlimited)
  if (ticket.pass)
    return ticket.pass.entryRule === 'unlimited' || state.entriesUsed < 1 ? undefined : 'already_redeemed';
  if (rules.products[ticket.productId]?.reentry)
    return state.entriesUsed - (state.exitsUsed ?? 0) < ticket.entriesAllowed ? undefined : 'already_inside';
  return state.entriesUsed < ticket.entriesAllowed ? undefined : 'already_redeemed';
};

export const checkCapacity: Policy = (input) =>
  input.rules.instantCapacity > 0 && input.inPark + personsOf(input) > input.rules.instantCapacity
    ? 'capacity_full'
    : undefined;

/** The chain, in the order a visitor would want to hear about problems. */
export const ENTRY_POLICIES: readonly Policy[] = [
  checkArea,
  checkStatus,
  checkDate,
  checkPassDay,
  checkSlotWindow,
  checkEntrance,
  checkEntriesLeft,
  checkCapacity,
];

/** Decides an entry. Pure: same input, same decision, online or offline. */
export function decideEntry(input: CheckinInput, policies: readonly Policy[] = ENTRY_POLICIES): Decision {
  const local = localTime(input.now, input.rules.timezone);
  for (const p of policies) {
    const reason = p(input, local);
    if (reason) return { admit: false, reason };
  }
  return { admit: true, reason: 'ok' };
}

/** Maps a token verification failure to a check-in reason. */
export function tokenFailureReason(
  f: 'malformed' | 'unsupported_version' | 'unknown_key' | 'bad_signature',
): DenyReason {
  if (f === 'bad_signature') return 'invalid_signature';
  if (f === 'unknown_key') return 'unknown_key';
  return 'malformed';
}
