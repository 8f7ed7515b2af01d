import type { Knex } from 'knex';
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/**
 * An area's campaign limits (PUT /v1/admin/areas/:areaId/campaign-settings): at most
 * `perMember.count` campaign messages to a member within `perMember.days` (any campaign
 * of the area), at most `maxCampaignSize` recipients in one campaign, and quiet hours in
 * the area's time zone in which nothing is sent — messages wait for their end.
 */
export const CampaignSettingsInput = z
  .object({
    perMember: z
      .object({ count: z.number().int().min(1).max(100), days: z.number().int().min(1).max(365) })
      .strict()
      .default({ count: 1, days: 7 }),
    maxCampaignSize: z.number().int().min(1).max(1_000_000).default(10_000),
    quietHours: z
      .object({ from: hhmm, to: hhmm })
      .strict()
      .nullable()
      .default({ from: '21:00', to: '09:00' }),
  })
  .strict();
export type CampaignSettings = z.output<typeof CampaignSettingsInput>;

export async function loadCampaignSettings(db: Knex, areaId: string): Promise<CampaignSettings> {
  const row = await db('campaign_settings').where({ area_id: areaId }).first('settings');
  return CampaignSettingsInput.parse(row?.settings ?? {});
}

export async function saveCampaignSettings(
  db: Knex,
  areaId: string,
  s: CampaignSettings,
  now: Date,
): Promise<void> {
  await db('campaign_settings')
    .insert({ area_id: areaId, settings: JSON.stringify(s), updated_at: now })
    .onConflict('area_id')
    .merge();
}
