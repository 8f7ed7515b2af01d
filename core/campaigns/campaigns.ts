import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { audit } from '../audit/store.js';
import { actorName, type Actor } from '../orders/model.js';
import { inSegment, memberStats, MIN_GROUP_SIZE, SegmentInput } from '../members/segments.js';
import { CouponOffer } from './coupons.js';
import type { CampaignRow } from '../db/tables.js';
import { loadCampaignSettings } from './settings.js';

/**
 * A campaign (issue 22): a segment of an area's members (core/members/segments.ts), the
 * coupon each recipient gets, the message that carries it. Created as a draft; started
 * once, which fixes its recipients — the segment's consenting members at that moment,
 * refused below the minimum group size or above the area's size cap — as one send row
 * each. The campaigns worker sends them (core/campaigns/delivery.ts) and checks consent,
 * limits and quiet hours again at each send.
 */
export const CampaignInput = z
  .object({
    name: z.string().trim().min(1).max(60),
    segment: SegmentInput,
    offer: CouponOffer,
    /** the text before the coupon's code and the unsubscribe link */
    message: z.string().trim().min(1).max(200),
    /** the mini-program subscribe-message template; SMS only without one */
    templateId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type CampaignInput = z.output<typeof CampaignInput>;

export type { CampaignRow } from '../db/tables.js';

export interface CampaignView {
  id: string;
  areaId: string;
  name: string;
  status: CampaignRow['status'];
  segment: SegmentInput;
  offer: CouponOffer;
  message: string;
  templateId: string | null;
  source: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** send rows by state, and skips and deferrals by reason */
  sends: Record<string, number>;
  reasons: Record<string, number>;
}

export async function createCampaign(
  db: Knex,
  actor: Actor,
  areaId: string,
  input: CampaignInput,
  now: Date,
  source: string | null = null,
): Promise<CampaignRow> {
  const [row] = await db('campaigns')
    .insert({
      id: uuidv7(now.getTime()),
      area_id: areaId,
      name: input.name,
      segment: JSON.stringify(input.segment),
      offer: JSON.stringify(input.offer),
      message: input.message,
      template_id: input.templateId ?? null,
      status: 'draft',
      created_by: actorName(actor),
      source,
      created_at: now,
    })
    .returning('*');
  await audit(db, actor, 'scenic.campaign.created', row!.id, { areaId, name: input.name, source });
  return row!;
}

export async function campaignOf(db: Knex, areaId: string, id: string): Promise<CampaignRow> {
  const row: CampaignRow | undefined = z.uuid().safeParse(id).success
    ? await db('campaigns').where({ id, area_id: areaId }).first()
    : undefined;
  if (!row) throw notFound('campaign_not_found', `no campaign ${id} in ${areaId}`);
  return row;
}

/**
 * Starts a draft: its recipients are the segment's members who consent to marketing now
 * (whatever the segment says about consent), at least the minimum group size and at most
 * the area's cap. One send row per member; the caller queues the delivery.
 */
export async function startCampaign(
  db: Knex,
  actor: Actor,
  c: CampaignRow,
  now: Date,
): Promise<{ recipients: number }> {
  if (c.status !== 'draft') throw conflict('campaign_not_draft', `campaign ${c.id} has been started`);
  const segment = { ...c.segment, consentingOnly: true };
  const members = (await memberStats(db, c.area_id, segment.withinDays, now)).filter((m) =>
    inSegment(segment, m),
  );
  if (members.length < MIN_GROUP_SIZE)
    throw conflict(
      'segment_too_small',
      `the segment holds ${members.length} consenting members; a campaign needs at least ${MIN_GROUP_SIZE}, so that it cannot single a person out`,
      { size: members.length, minimum: MIN_GROUP_SIZE },
    );
  const s = await loadCampaignSettings(db, c.area_id);
  if (members.length > s.maxCampaignSize)
    throw conflict(
      'campaign_too_large',
      `the segment holds ${members.length} members; this area's campaigns reach at most ${s.maxCampaignSize}`,
      { size: members.length, maximum: s.maxCampaignSize },
    );
  await db.transaction(async (trx) => {
    // conditional: two starts racing, one of them finds it started
    const n = await trx('campaigns')
      .where({ id: c.id, status: 'draft' })
      .update({ status: 'sending', started_at: now });
    if (n !== 1) throw conflict('campaign_not_draft', `campaign ${c.id} has been started`);
    for (let i = 0; i < members.length; i += 500)
      await trx('campaign_sends').insert(
        members.slice(i, i + 500).map((m) => ({
          campaign_id: c.id,
          account_id: m.accountId,
          area_id: c.area_id,
          state: 'pending',
          updated_at: now,
        })),
      );
    await audit(trx, actor, 'scenic.campaign.started', c.id, { recipients: members.length });
  });
  return { recipients: members.length };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function viewCampaign(db: Knex, c: CampaignRow): Promise<CampaignView> {
  const rows = await db('campaign_sends')
    .where({ campaign_id: c.id })
    .groupBy('state', 'reason')
    .select<{ state: string; reason: string | null; n: string }[]>(
      'state',
      'reason',
      db.raw('count(*) as n'),
    );
  const sends: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  for (const r of rows) {
    sends[r.state] = (sends[r.state] ?? 0) + Number(r.n);
    if (r.reason) reasons[r.reason] = (reasons[r.reason] ?? 0) + Number(r.n);
  }
  return {
    id: c.id,
    areaId: c.area_id,
    name: c.name,
    status: c.status,
    segment: c.segment,
    offer: c.offer,
    message: c.message,
    templateId: c.template_id,
    source: c.source,
    createdAt: c.created_at.toISOString(),
    startedAt: iso(c.started_at),
    finishedAt: iso(c.finished_at),
    sends,
    reasons,
  };
}

export async function listCampaigns(db: Knex, areaId: string): Promise<CampaignRow[]> {
  return db('campaigns').where({ area_id: areaId }).orderBy('created_at', 'desc').limit(200);
}
