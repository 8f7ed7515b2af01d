import type { Knex } from 'knex';
import { z } from 'zod';
import { addDays, isoWeekday, localDate } from '../time.js';
import { systemActor } from '../orders/model.js';
import { isDomainError } from '../errors.js';
import { audit } from '../audit/store.js';
import { createCampaign, startCampaign } from './campaigns.js';
import type { CampaignRow, WeatherRuleRow } from '../db/tables.js';

/**
 * Weather-triggered campaigns (issue 22): "sunny weekend → run campaign X". A rule names
 * a draft campaign as its template, a forecast location and a condition; the worker reads
 * the forecast (a {@link WeatherSource}) and, when the coming weekend meets the condition,
 * starts a copy of the template — once per rule and weekend (the firing is recorded with
 * the rule and the Saturday's date as its key, in the transaction that claims it).
 */
export interface DayForecast {
  date: string;
  /** QWeather icon code of the day: 100 sunny, 103 partly cloudy, 101 cloudy, 104 overcast, 3xx rain */
  icon: string;
  text: string;
}

export interface WeatherSource {
  /** the daily forecast of the coming days at a location */
  daily(location: string): Promise<DayForecast[]>;
}

/** The QWeather-style v7 daily forecast (`GET /v7/weather/7d?location=&key=`; the result code in the body). */
export class QWeatherSource implements WeatherSource {
  constructor(private readonly o: { baseUrl: string; key: string }) {}
  async daily(location: string): Promise<DayForecast[]> {
    const u = new URL('/v7/weather/7d', this.o.baseUrl);
    u.search = new URLSearchParams({ location, key: this.o.key }).toString();
    const r = await fetch(u, { signal: AbortSignal.timeout(5_000) });
    if (!r.ok) throw new Error(`weather answered ${r.status}`);
    const a = (await r.json()) as {
      code?: string;
      daily?: { fxDate: string; iconDay: string; textDay: string }[];
    };
    if (a.code !== '200' || !a.daily) throw new Error(`weather refused: code ${a.code}`);
    return a.daily.map((x) => ({ date: x.fxDate, icon: x.iconDay, text: x.textDay }));
  }
}

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/);

export const WeatherRuleInput = z
  .object({
    id: slug,
    /** the forecast's location id (QWeather's: a city code like 101210101, Hangzhou) */
    location: z.string().regex(/^[A-Za-z0-9.,_-]{1,40}$/),
    condition: z.enum(['sunny_weekend']),
    /** the draft campaign each firing copies and starts */
    campaignId: z.uuid(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type WeatherRuleInput = z.output<typeof WeatherRuleInput>;

/** Sunny enough: sunny (100) or partly cloudy (103). */
const SUNNY = new Set(['100', '103']);

/**
 * Pure: the Saturday of the coming weekend (this one when today is a weekday or Saturday)
 * when both its days are forecast sunny; undefined when not, or when the forecast does not
 * reach Sunday.
 */
export function sunnyWeekend(forecast: readonly DayForecast[], today: string): string | undefined {
  const wd = isoWeekday(today);
  const saturday = wd === 7 ? undefined : addDays(today, 6 - wd);
  if (!saturday) return undefined; // on Sunday the weekend is half gone: next week's rule run decides
  const days = [saturday, addDays(saturday, 1)].map((d) => forecast.find((f) => f.date === d));
  return days.every((f) => f && SUNNY.has(f.icon)) ? saturday : undefined;
}

/**
 * One pass over the enabled rules: each one whose condition holds fires once for its
 * weekend, starting a copy of its campaign. A refused start (segment too small) is kept
 * as the firing's outcome: it is not retried every pass.
 */
export async function evaluateWeatherRules(
  db: Knex,
  weather: WeatherSource,
  now: Date,
  onStarted: (campaignId: string) => Promise<void>,
): Promise<{ fired: string[] }> {
  const rules: WeatherRuleRow[] = await db('weather_rules').where({ enabled: true }).orderBy('id');
  const fired: string[] = [];
  for (const r of rules) {
    const area = await db('areas').where({ id: r.area_id }).first('timezone');
    const today = localDate(now, area?.timezone ?? 'Asia/Shanghai');
    const saturday = sunnyWeekend(await weather.daily(r.location), today);
    if (!saturday) continue;
    const template: CampaignRow | undefined = await db('campaigns').where({ id: r.campaign_id }).first();
    if (!template) continue;
    const actor = systemActor(`weather-rule:${r.id}`);
    const started = await db.transaction(async (trx) => {
      const claimed = await trx('weather_rule_firings')
        .insert({ rule_id: r.id, date: saturday, campaign_id: template.id, fired_at: now })
        .onConflict(['rule_id', 'date'])
        .ignore()
        .returning('rule_id');
      if (!claimed.length) return undefined;
      const copy = await createCampaign(
        trx,
        actor,
        r.area_id,
        {
          name: `${template.name} ${saturday}`.slice(0, 60),
          segment: template.segment,
          offer: template.offer,
          message: template.message,
          templateId: template.template_id ?? undefined,
        },
        now,
        `weather-rule:${r.id}:${saturday}`,
      );
      await trx('weather_rule_firings')
        .where({ rule_id: r.id, date: saturday })
        .update({ campaign_id: copy.id });
      try {
        await startCampaign(trx, actor, copy, now);
      } catch (e) {
        // refused before it wrote anything (no failed statement in this transaction): the
        // copy stays a draft, the firing stays recorded, and the audit log says why
        if (!isDomainError(e)) throw e;
        await audit(trx, actor, 'scenic.campaign.weather_refused', copy.id, { code: e.code });
        return undefined;
      }
      return copy.id;
    });
    if (started) {
      fired.push(started);
      await onStarted(started);
    }
  }
  return { fired };
}
