import type { Knex } from 'knex';
import type { PiiVault } from '../pii/crypto.js';
import type { WeatherRuleInput } from './weather.js';

/** The campaign writes the routers make (api/campaigns.ts), behind functions. */

/** Creates or replaces a weather rule of an area (its campaign checked by the caller). */
export async function saveWeatherRule(
  db: Knex,
  areaId: string,
  rule: WeatherRuleInput,
  now: Date,
): Promise<void> {
  await db('weather_rules')
    .insert({
      id: rule.id,
      area_id: areaId,
      location: rule.location,
      condition: rule.condition,
      campaign_id: rule.campaignId,
      enabled: rule.enabled,
      created_at: now,
    })
    .onConflict('id')
    .merge(['location', 'condition', 'campaign_id', 'enabled']);
}

/** The member's mini-program openid, sealed: subscribe messages reach them there. */
export async function linkMiniProgram(
  db: Knex,
  vault: PiiVault,
  accountId: string,
  openid: string,
  now: Date,
): Promise<void> {
  await db('member_accounts')
    .where({ id: accountId })
    .update({ mp_openid_enc: vault.encrypt(openid), updated_at: now });
}
