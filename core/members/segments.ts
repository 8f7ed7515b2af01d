import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict } from '../errors.js';
import { SPEND_BANDS, spendBand } from '../spend/bands.js';
import { memberInsideSpend } from '../spend/insight.js';

/**
 * Segments over the members of an area (issue 22, second part — a start): visits, ticket
 * spend, spend inside the area (the merchants' sales, core/spend: its band, or "entered and
 * spent nothing inside"), level, channel, marketing consent. A segment smaller than {@link MIN_GROUP_SIZE} (but
 * not empty) is refused, so no segment can single a person out.
 */
export const MIN_GROUP_SIZE = 5;

export const SegmentInput = z
  .object({
    minVisits: z.number().int().min(0).optional(),
    maxVisits: z.number().int().min(0).optional(),
    minSpendFen: z.number().int().min(0).optional(),
    maxSpendFen: z.number().int().min(0).optional(),
    levels: z.array(z.string().max(41)).max(10).optional(),
    channels: z.array(z.string().max(64)).max(20).optional(),
    /** spend inside the area over the window, by band (core/spend/bands.ts) */
    insideSpendBands: z.array(z.enum(SPEND_BANDS)).min(1).max(4).optional(),
    /** true: visited and spent nothing inside; false: spent something inside */
    spentNothingInside: z.boolean().optional(),
    /** only members who consented to marketing (the default: campaigns reach no one else) */
    consentingOnly: z.boolean().default(true),
    withinDays: z.number().int().min(1).max(3660).default(365),
  })
  .strict();
export type SegmentInput = z.output<typeof SegmentInput>;

export interface MemberStats {
  accountId: string;
  level: string | null;
  consent: boolean;
  visits: number;
  spend: number;
  /** net spend inside the area (merchants' sales) over the window */
  insideSpend: number;
  channels: string[];
}

/** Pure: whether a member's stats fall in the segment. */
export function inSegment(s: SegmentInput, m: MemberStats): boolean {
  if (s.consentingOnly && !m.consent) return false;
  if (s.minVisits !== undefined && m.visits < s.minVisits) return false;
  if (s.maxVisits !== undefined && m.visits > s.maxVisits) return false;
  if (s.minSpendFen !== undefined && m.spend < s.minSpendFen) return false;
  if (s.maxSpendFen !== undefined && m.spend > s.maxSpendFen) return false;
  if (s.levels?.length && !(m.level && s.levels.includes(m.level))) return false;
  if (s.channels?.length && !m.channels.some((c) => s.channels!.includes(c))) return false;
  if (s.insideSpendBands && !s.insideSpendBands.includes(spendBand(m.insideSpend))) return false;
  if (s.spentNothingInside === true && !(m.visits > 0 && m.insideSpend <= 0)) return false;
  if (s.spentNothingInside === false && m.insideSpend <= 0) return false;
  return true;
}

/** The members of an area (bought or entered there) with their stats over the window. */
export async function memberStats(
  db: Knex,
  areaId: string,
  withinDays: number,
  now: Date,
): Promise<MemberStats[]> {
  const from = new Date(now.getTime() - withinDays * 86_400_000);
  const rows = await db('member_accounts as a')
    .join('member_orders as mo', 'mo.account_id', 'a.id')
    .join('orders as o', 'o.id', 'mo.order_id')
    .whereNotNull('a.member_since')
    .whereNull('a.deleted_at')
    .where('o.area_id', areaId)
    .where('o.created_at', '>=', from)
    .groupBy('a.id', 'a.level', 'a.marketing_consent')
    .select<
      { id: string; level: string | null; consent: boolean; spend: string | null; channels: string[] }[]
    >(
      'a.id',
      'a.level',
      'a.marketing_consent as consent',
      db.raw(
        `sum(case when o.paid_at is not null then o.amount_total - o.amount_refunded else 0 end) as spend`,
      ),
      db.raw('array_agg(distinct o.channel_id) as channels'),
    );
  const visits = await db('checkin_scans as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .join('member_orders as mo', 'mo.order_id', 't.order_id')
    .where({ 's.area_id': areaId, 's.direction': 'in', 's.decision': 'admit' })
    .where('s.scanned_at', '>=', from)
    .groupBy('mo.account_id')
    .select<{ account_id: string; n: string }[]>(
      'mo.account_id',
      db.raw('count(distinct s.local_date) as n'),
    );
  const byAccount = new Map(visits.map((v) => [v.account_id, Number(v.n)]));
  const inside = await memberInsideSpend(db, areaId, from);
  return rows.map((r) => ({
    accountId: r.id,
    level: r.level,
    consent: r.consent,
    visits: byAccount.get(r.id) ?? 0,
    spend: Number(r.spend ?? 0),
    insideSpend: inside.get(r.id) ?? 0,
    channels: r.channels,
  }));
}

/** How many members a segment holds; refused when it would name fewer than {@link MIN_GROUP_SIZE}. */
export async function segmentSize(db: Knex, areaId: string, s: SegmentInput, now: Date): Promise<number> {
  const size = (await memberStats(db, areaId, s.withinDays, now)).filter((m) => inSegment(s, m)).length;
  if (size > 0 && size < MIN_GROUP_SIZE)
    throw conflict('segment_too_small', `a segment holds at least ${MIN_GROUP_SIZE} members, or none`);
  return size;
}
