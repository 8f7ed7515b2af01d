import type { Knex } from 'knex';
import { z } from 'zod';

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/);

/**
 * A rule the manager sets: when the member's count of `trigger` within `withinDays`
 * reaches `count`, do `action` once per member ("second visit within 12 months →
 * member", "third entry → half-price coupon"). A visit is a day with an admitted entry.
 */
export const MemberRule = z.object({
  id: ruleId,
  trigger: z.enum(['visits', 'entries', 'paid_orders']),
  count: z.number().int().min(1).max(1000),
  withinDays: z.number().int().min(1).max(3660).default(365),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('member') }),
    z.object({ kind: z.literal('points'), points: z.number().int().min(1).max(1_000_000) }),
    z.object({
      kind: z.literal('coupon'),
      /** percent off in bps (5000: half price) */
      percentBps: z.number().int().min(1).max(10000),
      validDays: z.number().int().min(1).max(3660).default(90),
    }),
  ]),
});
export type MemberRule = z.output<typeof MemberRule>;

/** A level reached by points earned or visits made over the rolling window (either suffices). */
export const MemberLevel = z.object({
  id: ruleId,
  name: z.string().min(1).max(60),
  minPoints: z.number().int().min(0).nullable().default(null),
  minVisits: z.number().int().min(0).nullable().default(null),
});
export type MemberLevel = z.output<typeof MemberLevel>;

/** What an area's manager sets for members (PUT /v1/admin/areas/:areaId/member-settings). */
export const MemberSettingsInput = z.object({
  /** points per yuan paid (0: none) */
  pointsPerYuan: z.number().int().min(0).max(100).default(1),
  pointsPerEntry: z.number().int().min(0).max(100_000).default(0),
  /** what one point is worth when spent, in fen */
  pointValueFen: z.number().int().min(1).max(10_000).default(1),
  /** at most this share of an order's total may be paid with points */
  maxPointsShareBps: z.number().int().min(0).max(10_000).default(5000),
  /** the rolling window levels are computed over */
  levelWindowDays: z.number().int().min(1).max(3660).default(365),
  levels: z.array(MemberLevel).max(10).default([]),
  rules: z.array(MemberRule).max(50).default([]),
});
export type MemberSettings = z.output<typeof MemberSettingsInput>;

export const DEFAULT_SETTINGS: MemberSettings = MemberSettingsInput.parse({});

export async function loadSettings(db: Knex, areaId: string): Promise<MemberSettings> {
  const row = await db('member_settings').where({ area_id: areaId }).first();
  return row ? MemberSettingsInput.parse(row.settings) : DEFAULT_SETTINGS;
}

export async function saveSettings(
  db: Knex | Knex.Transaction,
  areaId: string,
  s: MemberSettings,
  now: Date,
): Promise<void> {
  await db('member_settings')
    .insert({ area_id: areaId, settings: JSON.stringify(s), updated_at: now })
    .onConflict('area_id')
    .merge(['settings', 'updated_at']);
}
