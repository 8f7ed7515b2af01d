import { CampaignInput } from '../core/campaigns/campaigns.js';
import { CampaignSettingsInput } from '../core/campaigns/settings.js';
import { MiniProgramInput, SmsReplyInput } from '../core/campaigns/inputs.js';
import { WeatherRuleInput } from '../core/campaigns/weather.js';
import {
  answer,
  areaId,
  body,
  errors,
  inHeader,
  inPath,
  inQuery,
  open,
  schema,
  slugId,
  staff,
  uuid,
} from './openapi-kit.js';

const visitor = [{ bearer: [] }];
const campaignId = inPath('id', uuid, 'the campaign');

/** Campaigns, member coupons, opt-out and weather rules (issue 22, api/campaigns.ts). */
export function campaignPaths(): Record<string, unknown> {
  return {
    '/v1/admin/areas/{areaId}/campaign-settings': {
      get: {
        operationId: 'getCampaignSettings',
        summary: "An area's campaign limits: messages per member per period, size cap, quiet hours",
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the settings', schema(CampaignSettingsInput, 'output')), ...errors },
      },
      put: {
        operationId: 'putCampaignSettings',
        summary: 'Set the campaign limits of an area (quiet hours in the area’s time zone)',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(CampaignSettingsInput)),
        responses: { '200': answer('the settings', schema(CampaignSettingsInput, 'output')), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/campaigns': {
      get: {
        operationId: 'listCampaigns',
        summary: "An area's campaigns, newest first, with their send counts",
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the campaigns'), ...errors },
      },
      post: {
        operationId: 'createCampaign',
        summary: 'Create a draft campaign: a segment, the coupon each recipient gets, the message',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(CampaignInput)),
        responses: { '201': answer('the draft'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/campaigns/{id}': {
      get: {
        operationId: 'getCampaign',
        summary: 'A campaign and its sends by state (sent, skipped, pending…) and reason',
        security: staff,
        parameters: [areaId, campaignId],
        responses: { '200': answer('the campaign'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/campaigns/{id}/start': {
      post: {
        operationId: 'startCampaign',
        summary: "Fix the recipients (the segment's consenting members) and queue the delivery",
        description:
          'Refused with `segment_too_small` below 5 consenting members, `campaign_too_large` above the ' +
          "area's cap, `campaign_not_draft` when already started. Consent, the send limit and quiet hours " +
          'are checked again at each send.',
        security: staff,
        parameters: [areaId, campaignId],
        responses: { '202': answer('the campaign, sending'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/weather-rules/{ruleId}': {
      put: {
        operationId: 'putWeatherRule',
        summary:
          'A weather rule: when the forecast says "sunny weekend", a copy of the campaign runs (once a weekend)',
        security: staff,
        parameters: [areaId, inPath('ruleId', slugId)],
        requestBody: body(schema(WeatherRuleInput)),
        responses: { '200': answer('the rule'), ...errors },
      },
    },
    '/v1/me/member/coupons': {
      get: {
        operationId: 'getMyCampaignCoupons',
        summary: "The signed-in member's campaign coupons (usable, redeemed, expired)",
        security: visitor,
        responses: { '200': answer('the coupons'), ...errors },
      },
    },
    '/v1/me/member/mini-program': {
      put: {
        operationId: 'putMyMiniProgram',
        summary: "Register the member's mini-program openid (sealed) for subscribe messages",
        security: visitor,
        requestBody: body(schema(MiniProgramInput)),
        responses: { '200': answer('linked'), ...errors },
      },
    },
    '/v1/members/unsubscribe': {
      get: {
        operationId: 'unsubscribeByLink',
        summary: 'The link in every campaign message: withdraws the member’s marketing consent',
        security: open,
        parameters: [
          inQuery('m', { type: 'string', pattern: '^M\\d{12}$' }, 'member number', true),
          inQuery('t', { type: 'string' }, 'the link’s token', true),
        ],
        responses: { '200': answer('unsubscribed'), ...errors },
      },
    },
    '/v1/notify/sms/replies': {
      post: {
        operationId: 'postSmsReply',
        summary: 'The SMS provider’s reply callback: 退订 / TD / unsubscribe withdraws consent',
        security: open,
        parameters: [inHeader('x-sms-reply-token', { type: 'string' }, 'the shared callback token')],
        requestBody: body(schema(SmsReplyInput)),
        responses: { '200': answer('whether the sender was unsubscribed'), ...errors },
      },
    },
  };
}
