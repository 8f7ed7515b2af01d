import { ConsentInput, PartnerMembersInput, ProfileInput } from '../core/members/inputs.js';
import { MemberSettingsInput } from '../core/members/settings.js';
import { SegmentInput } from '../core/members/segments.js';
import { answer, areaId, body, errors, inPath, schema, slugId, staff } from './openapi-kit.js';

const visitor = [{ bearer: [] }];

const account = {
  type: 'object',
  required: ['memberNo', 'member', 'level', 'points', 'profile', 'marketingConsent', 'coupons'],
  properties: {
    memberNo: { type: 'string', pattern: '^M\\d{12}$' },
    member: {
      type: 'boolean',
      description: 'a rule of an area made the account a member: member prices apply',
    },
    memberSince: { type: ['string', 'null'], format: 'date-time' },
    level: { type: ['string', 'null'] },
    points: { type: 'integer', minimum: 0 },
    profile: { type: 'object' },
    marketingConsent: { type: 'object' },
    coupons: { type: 'array', items: { type: 'object' } },
  },
};

/** Members, points, rules and the member's personal data (issue 22, api/members.ts). */
export function memberPaths(): Record<string, unknown> {
  return {
    '/v1/me/member': {
      get: {
        operationId: 'getMyMembership',
        summary: "The signed-in visitor's member account: member or not, level, points, consent, coupons",
        description: 'The account is opened by the first phone sign-in; a rule of an area makes it a member.',
        security: visitor,
        responses: { '200': answer('the account', account), ...errors },
      },
    },
    '/v1/me/member/profile': {
      put: {
        operationId: 'putMyMemberProfile',
        summary: 'Keep a name and an ID document on the member account',
        security: visitor,
        requestBody: body(schema(ProfileInput)),
        responses: { '200': answer('the account', account), ...errors },
      },
    },
    '/v1/me/member/consent': {
      put: {
        operationId: 'putMyMarketingConsent',
        summary: 'Give or withdraw consent to marketing (opt-in; both instants kept)',
        security: visitor,
        requestBody: body(schema(ConsentInput)),
        responses: { '200': answer('the account', account), ...errors },
      },
    },
    '/v1/me/member/export': {
      get: {
        operationId: 'exportMyMemberData',
        summary: 'Everything kept about the member, as a JSON download (personal-information law)',
        security: visitor,
        responses: { '200': answer('the account, the points ledger and the orders'), ...errors },
      },
    },
    '/v1/me/member/deletion': {
      post: {
        operationId: 'deleteMyMemberData',
        summary: 'Erase the person (phone, name, ID) and keep the books with masked values',
        description:
          'Refused with `member_has_upcoming_visits` while an order of theirs is still to be visited.',
        security: visitor,
        responses: { '200': answer('what was erased'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/member-settings': {
      get: {
        operationId: 'getMemberSettings',
        summary: "An area's points, levels and member rules",
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the settings', schema(MemberSettingsInput, 'output')), ...errors },
      },
      put: {
        operationId: 'putMemberSettings',
        summary: 'Set the points, levels and member rules of an area (applied by the members worker)',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(MemberSettingsInput)),
        responses: { '200': answer('the settings', schema(MemberSettingsInput, 'output')), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/segments/size': {
      post: {
        operationId: 'sizeMemberSegment',
        summary: 'How many members of the area a segment holds (visits, spend, level, channel, consent)',
        description:
          'Refused with `segment_too_small` when it would hold fewer than 5 members (and not none).',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(SegmentInput)),
        responses: { '200': answer('the size'), ...errors },
      },
    },
    '/v1/admin/partners/{id}/members': {
      put: {
        operationId: 'putPartnerSellsToMembers',
        summary: 'Whether a partner sells to members (its orders may then name a member)',
        security: staff,
        parameters: [inPath('id', slugId)],
        requestBody: body(schema(PartnerMembersInput)),
        responses: { '200': answer('the flag'), ...errors },
      },
    },
  };
}
