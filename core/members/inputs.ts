import { z } from 'zod';
import { VisitorInput } from '../orders/inputs.js';

/** PUT /v1/me/member/profile: what a member keeps on their account (all optional). */
export const ProfileInput = z
  .object({
    name: VisitorInput.shape.name.optional(),
    idType: VisitorInput.shape.idType.unwrap().optional(),
    idNumber: VisitorInput.shape.idNumber.optional(),
  })
  .strict();

/** PUT /v1/me/member/consent: marketing consent, opt-in and withdrawable. */
export const ConsentInput = z.object({ marketing: z.boolean() }).strict();

/** PUT /v1/admin/partners/:id/members: whether the partner sells to members. */
export const PartnerMembersInput = z.object({ sellsToMembers: z.boolean() }).strict();
