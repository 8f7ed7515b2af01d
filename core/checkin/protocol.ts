import { z } from 'zod';
import { REASONS } from './reasons.js';
import { STAFF_CHECKS } from '../catalog/eligibility.js';

/**
 * The wire contract between a gate agent and the API (`/gate/v1`), as zod schemas so
 * both ends parse with the same definitions. Times are ISO-8601 instants.
 */
/** `sensor`: an exit passage reported by the turnstile's own sensor (no ticket shown). */
export const Media = z.enum(['qr', 'id', 'nfc', 'face', 'sensor', 'none']);
export type Media = z.infer<typeof Media>;
export const Direction = z.enum(['in', 'out']);
export type Direction = z.infer<typeof Direction>;

const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a uuid');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const Instant = z.iso.datetime({ offset: true });

/** One decision of a gate, as journaled and uploaded. */
export const JournalEntry = z.object({
  scanId: Uuid,
  seq: z.number().int().positive(),
  at: Instant,
  media: Media,
  direction: Direction,
  ticketId: Uuid.nullable(),
  decision: z.enum(['admit', 'deny']),
  reason: z.enum(REASONS),
  mode: z.enum(['online', 'offline']),
  /** a group ticket's scan (core/groups): the persons it let through; absent: the ticket's units */
  persons: z.number().int().min(1).max(100).optional(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

/** Entries per journal upload (the agent sends at most this many in seq order). */
export const JOURNAL_BATCH_MAX = 200;
/**
 * The largest body `/gate/v1` parses: a full journal batch with every field at its
 * longest is ≈ 60 KB (core/checkin/protocol.test.ts), every other message far less.
 */
export const GATE_BODY_LIMIT_BYTES = 64 * 1024;

export const JournalBatch = z.object({ entries: z.array(JournalEntry).min(1).max(JOURNAL_BATCH_MAX) });

export const Presence = z.object({
  areaId: z.string(),
  date: IsoDate,
  inPark: z.number().int(),
  entries: z.number().int(),
  exits: z.number().int(),
  instantCapacity: z.number().int(),
});
export type Presence = z.infer<typeof Presence>;

export const JournalResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  lastSeq: z.number().int(),
  presence: Presence,
});
export type JournalResult = z.infer<typeof JournalResult>;

export const PrecheckRequest = z.object({
  scanId: Uuid,
  ticketId: Uuid,
  at: Instant,
  media: Media,
  /** a group ticket (core/groups): the persons going through now; absent: all still outside */
  persons: z.number().int().min(1).max(100).optional(),
});
export type PrecheckRequest = z.infer<typeof PrecheckRequest>;

export const PrecheckResult = z.object({
  admit: z.boolean(),
  reason: z.enum(REASONS),
  display: z.string(),
  presence: Presence,
  /** what staff must check before the traveller goes through: height, student card, an age document (17.11) */
  staffChecks: z.array(z.enum(STAFF_CHECKS)).optional(),
  /** an admitted annual pass holder is shown to the priority lane (core/passes) */
  priorityLane: z.boolean().optional(),
  /** a group ticket (core/groups): its party, masked, and the persons in and still outside after this scan */
  group: z
    .object({
      size: z.number().int(),
      persons: z.number().int(),
      entered: z.number().int(),
      remaining: z.number().int(),
      members: z.array(z.string()),
    })
    .optional(),
});
export type PrecheckResult = z.infer<typeof PrecheckResult>;

/**
 * A handheld's online ID-number lookup (17.5): handhelds hold no ID-number hashes, so an
 * ID card read at one is asked of the centre, one number at a time. The answer names only
 * today's tickets of the handheld's own area that the number holds (their manifest
 * entries, without any hash), never a list to search.
 */
export const IdLookupRequest = z.object({ idNumber: z.string().trim().min(5).max(32) }).strict();
export type IdLookupRequest = z.infer<typeof IdLookupRequest>;
/** At most this many tickets in one answer (one person's tickets of one day). */
export const ID_LOOKUP_MAX_TICKETS = 20;
export const IdLookupResult = z.object({ tickets: z.array(Uuid).max(ID_LOOKUP_MAX_TICKETS) });
export type IdLookupResult = z.infer<typeof IdLookupResult>;

export const ManifestTicket = z.object({
  ticketId: Uuid,
  orderId: Uuid,
  productId: z.string(),
  /** null for an open-dated product. */
  date: IsoDate.nullable(),
  /** An open-dated ticket's last day (17.12); null for date-bound tickets and older servers. */
  validUntil: IsoDate.nullable().default(null),
  slotStartMin: z.number().int(),
  slotEndMin: z.number().int(),
  entriesAllowed: z.number().int(),
  /** Entries counted at other gates (this gate knows its own from its journal). */
  entriesUsedElsewhere: z.number().int(),
  /** Exits with the ticket matched at other gates (re-entry products; 0 from older servers). */
  exitsUsedElsewhere: z.number().int().default(0),
  units: z.number().int(),
  status: z.enum(['valid', 'pending', 'void', 'refunded', 'rescheduled', 'revoked']),
  /** Keyed hash of the visitor's ID number with the manifest key of this area-day. */
  idHash: z.string().nullable(),
  cardUid: z.string().nullable(),
  /**
   * An annual pass's day (core/passes): its entry rule, priority lane, and whether it is
   * blocked (blackout, busy day without a booking); `entriesUsedElsewhere` is then that
   * day's. Null for other tickets and from older servers.
   */
  pass: z
    .object({
      entryRule: z.enum(['once_a_day', 'unlimited']),
      priorityLane: z.boolean(),
      blocked: z.enum(['blackout_date', 'booking_required']).nullable(),
    })
    .nullish(),
  /**
   * A group ticket (core/groups): the party's size and its members' masked names for the
   * gate's screen; `entriesAllowed` is the size and entries count persons. Null otherwise.
   */
  group: z.object({ size: z.number().int().min(1), members: z.array(z.string()) }).nullish(),
});
export type ManifestTicket = z.infer<typeof ManifestTicket>;

export const ManifestPage = z.object({
  areaId: z.string(),
  date: IsoDate,
  /** HMAC key for ID numbers of this area-day only (see id-hash.ts). */
  manifestKey: z.string(),
  /** Change cursor taken before the snapshot: follow /changes from here. */
  cursor: z.number().int(),
  tickets: z.array(ManifestTicket),
  /** Pass as `after` for the next page; null on the last page. */
  next: z.string().nullable(),
});
export type ManifestPage = z.infer<typeof ManifestPage>;

export const ChangesPage = z.object({
  /** Resume point: moves only past settled changes (see manifest.ts). */
  cursor: z.number().int(),
  /** The newest change in this page (or the cursor): what the gate has now seen. */
  highest: z.number().int(),
  /** Latest state of each changed ticket; a ticket moved off this date comes as revoked. */
  tickets: z.array(ManifestTicket),
  more: z.boolean(),
  /** The area's in-park figure and instantaneous capacity now. */
  presence: Presence,
});
export type ChangesPage = z.infer<typeof ChangesPage>;

/** The keys that verify now (a gate replaces its set with them) and the kids revoked (17.16). */
export const KeysResponse = z.object({
  keys: z.array(z.object({ kid: z.string(), publicKey: z.string() })),
  revoked: z.array(z.string()).default([]),
});
export type KeysResponse = z.infer<typeof KeysResponse>;

export const ProductRuleWire = z.object({
  entrances: z.array(z.string()).nullable(),
  releaseOnExit: z.boolean(),
  reentry: z.boolean().default(false),
});

export const RulesResponse = z.object({
  gate: z.object({ id: z.string(), kind: z.enum(['turnstile', 'handheld']) }),
  rules: z.object({
    areaId: z.string(),
    entranceId: z.string(),
    timezone: z.string(),
    instantCapacity: z.number().int(),
    graceBeforeMin: z.number().int(),
    graceAfterMin: z.number().int(),
    products: z.record(z.string(), ProductRuleWire),
  }),
  presence: Presence,
});
export type RulesResponse = z.infer<typeof RulesResponse>;

export const HealthReport = z.object({
  version: z.string().max(64),
  journalBacklog: z.number().int().min(0),
  lastSyncAt: Instant.nullable(),
  offlineSince: Instant.nullable(),
  manifestTickets: z.number().int().min(0),
  manifestDate: IsoDate.nullable(),
  keys: z.number().int().min(0),
  changeCursor: z.number().int().min(0),
  /** The newest change applied (ahead of the cursor while recent changes settle). */
  changesSeen: z.number().int().min(0).optional(),
  journalOk: z.boolean(),
});
export type HealthReport = z.infer<typeof HealthReport>;
