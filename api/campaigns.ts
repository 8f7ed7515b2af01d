import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { inputError, unauthenticated } from '../core/errors.js';
import { audit } from '../core/audit/store.js';
import { accountOf } from '../core/members/accounts.js';
import {
  campaignOf,
  CampaignInput,
  createCampaign,
  listCampaigns,
  startCampaign,
  viewCampaign,
} from '../core/campaigns/campaigns.js';
import {
  CampaignSettingsInput,
  loadCampaignSettings,
  saveCampaignSettings,
} from '../core/campaigns/settings.js';
import { couponsOf } from '../core/campaigns/coupons.js';
import { handleSmsReply, unsubscribeByLink } from '../core/campaigns/opt-out.js';
import { MiniProgramInput, SmsReplyInput, UnsubscribeQuery } from '../core/campaigns/inputs.js';
import { WeatherRuleInput } from '../core/campaigns/weather.js';
import { linkMiniProgram, saveWeatherRule } from '../core/campaigns/store.js';
import { campaignsQueue, queueCampaignRun, type CampaignsJob } from '../workers/campaigns.js';
import type { Queue } from 'bullmq';
import { actorOf, allow, areaParam, type AppContext } from './context.js';
import type { Feature } from './features.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaParams = z.object({ areaId: slug });
const CampaignParams = z.object({ areaId: slug, id: z.string().max(64) });

/**
 * Campaigns (issue 22, core/campaigns):
 *   GET|PUT /v1/admin/areas/:areaId/campaign-settings       send limits, size cap, quiet hours
 *   GET|POST /v1/admin/areas/:areaId/campaigns              list, create a draft
 *   GET  /v1/admin/areas/:areaId/campaigns/:id              a campaign and its send counts
 *   POST /v1/admin/areas/:areaId/campaigns/:id/start        fix the recipients, queue the delivery
 *   PUT  /v1/admin/areas/:areaId/weather-rules/:ruleId      "sunny weekend → run campaign X"
 *   GET  /v1/me/member/coupons                              the member's campaign coupons
 *   PUT  /v1/me/member/mini-program                         the member's mini-program openid (sealed)
 *   GET  /v1/members/unsubscribe?m=&t=                      the link in every message: withdraws consent
 *   POST /v1/notify/sms/replies                             the SMS provider's reply callback (退订/TD)
 */
export function campaignsRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const now = () => p.clock.now();
  const guard = allow(ctx, 'areas.configure', areaParam());
  let queue: Queue<CampaignsJob> | undefined;
  const q = () => (queue ??= campaignsQueue(p));

  r.get('/admin/areas/:areaId/campaign-settings', guard, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    await p.catalog.area(areaId);
    res.json(await loadCampaignSettings(p.db, areaId));
  });
  r.put('/admin/areas/:areaId/campaign-settings', guard, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const s = parseInput(CampaignSettingsInput, req.body);
    await p.catalog.area(areaId);
    await saveCampaignSettings(p.db, areaId, s, now());
    await audit(p.db, actorOf(res), 'scenic.campaign.settings_changed', areaId, {}, { areaId, after: s });
    res.json(s);
  });
  r.get('/admin/areas/:areaId/campaigns', guard, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const rows = await listCampaigns(p.db, areaId);
    res.json({ campaigns: await Promise.all(rows.map((c) => viewCampaign(p.db, c))) });
  });
  r.post('/admin/areas/:areaId/campaigns', guard, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const input = parseInput(CampaignInput, req.body);
    const area = await p.catalog.area(areaId);
    if (input.offer.productId && !area.products.has(input.offer.productId))
      throw inputError('invalid_input', `no product ${input.offer.productId} in ${areaId}`, [
        { path: 'offer.productId', message: 'unknown product' },
      ]);
    const c = await createCampaign(p.db, actorOf(res), areaId, input, now());
    res.status(201).json(await viewCampaign(p.db, c));
  });
  r.get('/admin/areas/:areaId/campaigns/:id', guard, async (req, res) => {
    const { areaId, id } = parseInput(CampaignParams, req.params);
    res.json(await viewCampaign(p.db, await campaignOf(p.db, areaId, id)));
  });
  r.post('/admin/areas/:areaId/campaigns/:id/start', guard, async (req, res) => {
    const { areaId, id } = parseInput(CampaignParams, req.params);
    const c = await campaignOf(p.db, areaId, id);
    const { recipients } = await startCampaign(p.db, actorOf(res), c, now());
    // if the queue is down the campaign stays `sending`: a later run (or the next start
    // attempt's answer, campaign_not_draft) shows it; the worker's sweep does not drop it
    await queueCampaignRun(q(), p, c.id);
    res.status(202).json({ ...(await viewCampaign(p.db, await campaignOf(p.db, areaId, id))), recipients });
  });
  r.put('/admin/areas/:areaId/weather-rules/:ruleId', guard, async (req, res) => {
    const { areaId, ruleId } = parseInput(z.object({ areaId: slug, ruleId: slug }), req.params);
    const rule = parseInput(WeatherRuleInput, { ...(req.body as object), id: ruleId });
    const template = await campaignOf(p.db, areaId, rule.campaignId);
    await saveWeatherRule(p.db, areaId, { ...rule, campaignId: template.id }, now());
    await audit(p.db, actorOf(res), 'scenic.campaign.weather_rule_set', rule.id, { areaId, ...rule });
    res.json({ areaId, ...rule });
  });

  r.get('/me/member/coupons', async (_req, res) => {
    const a = await accountOf(p.db, actorOf(res));
    const t = now();
    res.json({
      coupons: (await couponsOf(p.db, a.id)).map((c) => ({
        code: c.code,
        areaId: c.area_id,
        kind: c.kind,
        value: c.value,
        capFen: c.cap_fen,
        productId: c.product_id,
        validFrom: c.valid_from.toISOString(),
        validUntil: c.valid_until.toISOString(),
        state: c.order_id ? 'redeemed' : t > c.valid_until ? 'expired' : 'usable',
        orderId: c.order_id,
      })),
    });
  });
  r.put('/me/member/mini-program', async (req, res) => {
    const { openid } = parseInput(MiniProgramInput, req.body);
    const a = await accountOf(p.db, actorOf(res));
    await linkMiniProgram(p.db, p.vault, a.id, openid, now());
    await audit(p.db, actorOf(res), 'scenic.member.mini_program_linked', a.id);
    res.json({ linked: true });
  });

  r.get('/members/unsubscribe', async (req, res) => {
    const { m, t } = parseInput(UnsubscribeQuery, req.query);
    await unsubscribeByLink(p.db, p.vault, m, t, now());
    res.setHeader('cache-control', 'no-store');
    res.json({ unsubscribed: true });
  });
  r.post('/notify/sms/replies', async (req, res) => {
    const token = p.cfg.SCENIC_SMS_REPLY_TOKEN;
    const got = Buffer.from(String(req.headers['x-sms-reply-token'] ?? ''));
    if (!token || got.length !== token.length || !timingSafeEqual(got, Buffer.from(token)))
      throw unauthenticated('bad_credentials', 'the SMS reply callback needs its token');
    const { from, text } = parseInput(SmsReplyInput, req.body);
    res.json(await handleSmsReply(p.db, p.vault, from, text, now()));
  });
  return r;
}

export const campaignsFeature: Feature = {
  name: 'campaigns',
  routes: (app, ctx) => app.use('/v1', campaignsRouter(ctx)),
};
