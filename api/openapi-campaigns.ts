import { CampaignInput } from '../core/campaigns/campaigns.js';
import { CampaignSettingsInput } from '../core/campaigns/settings.js';
import { MiniProgramInput, SmsReplyInput } from '../core/campaigns/inputs.js';
import { WeatherRuleInput } from '../core/campaigns/weather.js';
import {
  adminOp,
  answer,
  areaId,
  inHeader,
  inPath,
  inQuery,
  openOp,
  schema,
  slugId,
  uuid,
  visitorOp,
} from './openapi-kit.js';

const campaignId = inPath('id', uuid, 'the campaign');

/** Campaigns, member coupons, opt-out and weather rules (issue 22, api/campaigns.ts). */
export function campaignPaths(): Record<string, unknown> {
  return {
    '/v1/admin/areas/{areaId}/campaign-settings': {
      get: adminOp('getCampaignSettings', {
        summary: "An area's campaign limits: messages per member per period, size cap, quiet hours",
        parameters: [areaId],
        responses: { '200': answer('the settings', schema(CampaignSettingsInput, 'output')) },
      }),
      put: adminOp('putCampaignSettings', {
        summary: 'Set the campaign limits of an area (quiet hours in the area’s time zone)',
        parameters: [areaId],
        input: schema(CampaignSettingsInput),
        responses: { '200': answer('the settings', schema(CampaignSettingsInput, 'output')) },
      }),
    },
    '/v1/admin/areas/{areaId}/campaigns': {
      get: adminOp('listCampaigns', {
        summary: "An area's campaigns, newest first, with their send counts",
        parameters: [areaId],
        responses: { '200': answer('the campaigns') },
      }),
      post: adminOp('createCampaign', {
        summary: 'Create a draft campaign: a segment, the coupon each recipient gets, the message',
        parameters: [areaId],
        input: schema(CampaignInput),
        responses: { '201': answer('the draft') },
      }),
    },
    '/v1/admin/areas/{areaId}/campaigns/{id}': {
      get: adminOp('getCampaign', {
        summary: 'A campaign and its sends by state (sent, skipped, pending…) and reason',
        parameters: [areaId, campaignId],
        responses: { '200': answer('the campaign') },
      }),
    },
    '/v1/admin/areas/{areaId}/campaigns/{id}/start': {
      post: adminOp('startCampaign', {
        summary: "Fix the recipients (the segment's consenting members) and queue the delivery",
        description:
          'Refused with `segment_too_small` below 5 consenting members, `campaign_too_large` above the ' +
          "area's cap, `campaign_not_draft` when already started. Consent, the send limit and quiet hours " +
          'are checked again at each send.',
        parameters: [areaId, campaignId],
        responses: { '202': answer('the campaign, sending') },
      }),
    },
    '/v1/admin/areas/{areaId}/weather-rules/{ruleId}': {
      put: adminOp('putWeatherRule', {
        summary:
          'A weather rule: when the forecast says "sunny weekend", a copy of the campaign runs (once a weekend)',
        parameters: [areaId, inPath('ruleId', slugId)],
        input: schema(WeatherRuleInput),
        responses: { '200': answer('the rule') },
      }),
    },
    '/v1/me/member/coupons': {
      get: visitorOp('getMyCampaignCoupons', {
        summary: "The signed-in member's campaign coupons (usable, redeemed, expired)",
        responses: { '200': answer('the coupons') },
      }),
    },
    '/v1/me/member/mini-program': {
      put: visitorOp('putMyMiniProgram', {
        summary: "Register the member's mini-program openid (sealed) for subscribe messages",
        input: schema(MiniProgramInput),
        responses: { '200': answer('linked') },
      }),
    },
    '/v1/members/unsubscribe': {
      get: openOp('unsubscribeByLink', {
        summary: 'The link in every campaign message: withdraws the member’s marketing consent',
        parameters: [
          inQuery('m', { type: 'string', pattern: '^M\\d{12}$' }, 'member number', true),
          inQuery('t', { type: 'string' }, 'the link’s token', true),
        ],
        responses: { '200': answer('unsubscribed') },
      }),
    },
    '/v1/notify/sms/replies': {
      post: openOp('postSmsReply', {
        summary: 'The SMS provider’s reply callback: 退订 / TD / unsubscribe withdraws consent',
        parameters: [inHeader('x-sms-reply-token', { type: 'string' }, 'the shared callback token')],
        input: schema(SmsReplyInput),
        responses: { '200': answer('whether the sender was unsubscribed') },
      }),
    },
  };
}
