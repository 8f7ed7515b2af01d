import { ConsentInput, PartnerMembersInput, ProfileInput } from '../core/members/inputs.js';
import { MemberSettingsInput } from '../core/members/settings.js';
import { SegmentInput } from '../core/members/segments.js';
import { adminOp, answer, areaId, inPath, schema, slugId, visitorOp } from './openapi-kit.js';

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
      get: visitorOp('getMyMembership', {
        summary: "The signed-in visitor's member account: member or not, level, points, consent, coupons",
        description: 'The account is opened by the first phone sign-in; a rule of an area makes it a member.',
        responses: { '200': answer('the account', account) },
      }),
    },
    '/v1/me/member/profile': {
      put: visitorOp('putMyMemberProfile', {
        summary: 'Keep a name and an ID document on the member account',
        input: schema(ProfileInput),
        responses: { '200': answer('the account', account) },
      }),
    },
    '/v1/me/member/consent': {
      put: visitorOp('putMyMarketingConsent', {
        summary: 'Give or withdraw consent to marketing (opt-in; both instants kept)',
        input: schema(ConsentInput),
        responses: { '200': answer('the account', account) },
      }),
    },
    '/v1/me/member/export': {
      get: visitorOp('exportMyMemberData', {
        summary: 'Everything kept about the member, as a JSON download (personal-information law)',
        responses: { '200': answer('the account, the points ledger and the orders') },
      }),
    },
    '/v1/me/member/deletion': {
      post: visitorOp('deleteMyMemberData', {
        summary: 'Erase the person (phone, name, ID) and keep the books with masked values',
        description:
          'Refused with `member_has_upcoming_visits` while an order of theirs is still to be visited.',
        responses: { '200': answer('what was erased') },
      }),
    },
    '/v1/admin/areas/{areaId}/member-settings': {
      get: adminOp('getMemberSettings', {
        summary: "An area's points, levels and member rules",
        parameters: [areaId],
        responses: { '200': answer('the settings', schema(MemberSettingsInput, 'output')) },
      }),
      put: adminOp('putMemberSettings', {
        summary: 'Set the points, levels and member rules of an area (applied by the members worker)',
        parameters: [areaId],
        input: schema(MemberSettingsInput),
        responses: { '200': answer('the settings', schema(MemberSettingsInput, 'output')) },
      }),
    },
    '/v1/admin/areas/{areaId}/segments/size': {
      post: adminOp('sizeMemberSegment', {
        summary: 'How many members of the area a segment holds (visits, spend, level, channel, consent)',
        description:
          'Refused with `segment_too_small` when it would hold fewer than 5 members (and not none).',
        parameters: [areaId],
        input: schema(SegmentInput),
        responses: { '200': answer('the size') },
      }),
    },
    '/v1/admin/partners/{id}/members': {
      put: adminOp('putPartnerSellsToMembers', {
        summary: 'Whether a partner sells to members (its orders may then name a member)',
        parameters: [inPath('id', slugId)],
        input: schema(PartnerMembersInput),
        responses: { '200': answer('the flag') },
      }),
    },
  };
}
