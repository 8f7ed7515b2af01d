import { z } from 'zod';
import type { CapacityLevel } from '../inventory/events.js';

/**
 * Zones inside one park, as a ScenicArea declares them (catalog terms, ADR 0010): each
 * zone's names, instantaneous capacity, the scan points (catalog entrances) whose gate
 * entries and exits move people in and out of it, and the people-counting sensors that
 * report its flow. Ids are per area, like entrances.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase letters, digits, : _ - (max 63)');
/** a sensor id: the key id it signs with */
export const COUNTER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const counterId = z.string().regex(COUNTER_ID, 'lowercase letters, digits and dashes (max 63)');
const text = z.string().min(1).max(200);
const bilingual = z.object({ zh: text, en: text }).strict();

export const ZoneDeclaration = z
  .object({
    id: slug,
    name: bilingual,
    capacity: z.number().int().min(1).max(10_000_000),
    entrances: z.array(slug).max(32).default([]),
    counters: z.array(counterId).max(32).default([]),
  })
  .strict();
export type ZoneDeclaration = z.output<typeof ZoneDeclaration>;

export const SIGNAGE_KINDS = ['led', 'broadcast'] as const;
export type SignageKind = (typeof SIGNAGE_KINDS)[number];

/**
 * How an area diverts visitors between its zones: the pairs (from a crowded zone, the
 * zones to suggest, in order of preference; a pair's own words or the default ones), the
 * endpoints of its LED screens and loudspeakers, and the flap control.
 */
export const DiversionDeclaration = z
  .object({
    pairs: z
      .array(
        z
          .object({
            from: slug,
            to: slug,
            /** `{from}` and `{to}` are replaced by the zones' names */
            message: bilingual.optional(),
          })
          .strict()
          .refine((p) => p.from !== p.to, 'a zone cannot divert to itself'),
      )
      .max(256)
      .default([]),
    signage: z
      .array(
        z
          .object({
            name: slug,
            kind: z.enum(SIGNAGE_KINDS),
            url: z
              .string()
              .max(1024)
              .regex(/^https?:\/\//, 'an http(s) URL'),
          })
          .strict(),
      )
      .max(16)
      .default([]),
    /** the zone level at which diversion starts (the area's thresholds) */
    divertAt: z.enum(['yellow', 'orange', 'red']).default('orange'),
    /** diversion ends only once the zone is this many points below `divertAt` */
    hysteresisPct: z.number().int().min(0).max(50).default(10),
    /** no change (show, clear, new target) within this long of the previous one */
    minHoldSeconds: z.number().int().min(0).max(3600).default(300),
  })
  .strict();
export type DiversionDeclaration = z.output<typeof DiversionDeclaration>;

/** Default words of a diversion message and of its withdrawal. */
export const DEFAULT_WORDS = {
  show: { zh: '{from} 游客较多，建议先游览{to}', en: '{from} is crowded, visit {to} first' },
  clear: { zh: '{from} 游客已疏散，欢迎游览', en: '{from} is no longer crowded' },
} as const;

/** A zone's occupancy, as the evaluator and the crowd screen read it. */
export interface ZoneReading {
  zoneId: string;
  name: { zh: string; en: string };
  /** people in the zone now: gate entries − exits at its scan points + sensors' in − out, today */
  inZone: number;
  capacity: number;
  level: CapacityLevel;
}

/** What the evaluator keeps per zone between runs (zone_states). */
export interface DiversionState {
  diverting: boolean;
  targetZoneId: string | null;
  /** when the state last changed; the minimum hold counts from here (null: never) */
  since: Date | null;
}

/** The flap control, from the area's declaration. */
export interface FlapControl {
  /** percent of capacity at which diversion starts */
  enterPct: number;
  /** percent of capacity under which it ends */
  exitPct: number;
  minHoldMs: number;
}

/** The message one signage endpoint is sent (documented in core/zones/README.md). */
export interface DiversionMessage {
  type: 'scenic.zone.diversion';
  version: 1;
  /** the zone_messages row id: a receiver may drop a repeat */
  id: string;
  action: 'show' | 'clear';
  areaId: string;
  channel: SignageKind;
  zone: {
    id: string;
    name: { zh: string; en: string };
    inZone: number;
    capacity: number;
    level: CapacityLevel;
  };
  to: { id: string; name: { zh: string; en: string } } | null;
  text: { zh: string; en: string };
  at: string;
}
