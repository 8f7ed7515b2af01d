import { z } from 'zod';
import { REFUND_REASONS } from './model.js';
import { ComboSessions } from '../combos/inputs.js';

/**
 * Inputs of the order operations. The API validates requests with these same schemas
 * and publishes them in its OpenAPI document, so docs and validation cannot drift.
 */
const date = z.iso.date();
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase id');
export const Phone = z.string().regex(/^1[3-9]\d{9}$/, 'a mainland mobile number of 11 digits');

export const VisitorInput = z.object({
  name: z.string().trim().min(1, 'required').max(64),
  idType: z.enum(['cn_resident', 'passport', 'hk_macau_permit', 'taiwan_permit']).default('cn_resident'),
  idNumber: z.string().trim().min(5).max(32),
});

/** A group's leader: the name and mobile the purchase SMS goes to (sealed, shown masked). */
export const GroupLeader = z
  .object({ name: z.string().trim().min(1, 'required').max(64), phone: Phone })
  .strict();

export const PlaceOrderInput = z.object({
  areaId: slug,
  date,
  slotId: slug,
  channelId: slug.optional(),
  items: z
    .array(
      z.object({
        productId: slug,
        visitors: z.array(VisitorInput).min(1).max(50),
        /** a group product's leader (core/groups): the visitors are its members, one ticket for all */
        leader: GroupLeader.optional(),
      }),
    )
    .min(1)
    .max(10),
  contactPhone: Phone.optional(),
  coupons: z
    .array(z.string().regex(/^[A-Z0-9_-]{3,32}$/))
    .max(3)
    .default([]),
  partnerOrderId: z.string().min(1).max(64).optional(),
  /** the waiting-list claim this order uses, if any */
  claimId: z.string().max(64).optional(),
  /** the presale hold this order turns into, if any */
  holdId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
  /** issue 22: the member a partner that sells to members, or staff at the box office, buys for (member number) */
  memberRef: z
    .string()
    .regex(/^M\d{12}$/)
    .optional(),
  /** issue 22: points the signed-in member spends on this order */
  points: z.number().int().min(1).max(10_000_000).optional(),
  /** issue 22: a member-bound single-use coupon a campaign issued to this member (core/campaigns) */
  memberCoupon: z
    .string()
    .regex(/^MC[0-9A-F]{16}$/)
    .optional(),
  /** a combo's picks: component id → session id (a bus departure, a showtime; core/combos) */
  sessions: ComboSessions.optional(),
});
export type PlaceOrderInput = z.output<typeof PlaceOrderInput>;

export const RefundInput = z.object({
  ticketIds: z.array(z.uuid()).min(1).optional(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().max(500).optional(),
});
export type RefundInput = z.output<typeof RefundInput>;

export const RescheduleInput = z.object({ date, slotId: slug });
export type RescheduleInput = z.output<typeof RescheduleInput>;

export const WaitlistInput = z.object({
  areaId: slug,
  date,
  slotId: slug,
  units: z.number().int().min(1).max(10),
  contactPhone: Phone,
});
export type WaitlistInput = z.output<typeof WaitlistInput>;

/**
 * Paying a held order: which provider (one of the deployment's; the first by default),
 * the payer's device (the API reads the User-Agent when it is left out) and, in the
 * mini-program, the payer's openid. The amount is never an input: it is the order's.
 */
export const StartPaymentInput = z
  .object({
    provider: z.enum(['wechat', 'alipay']).optional(),
    device: z.enum(['mobile', 'desktop']).optional(),
    openid: z
      .string()
      .regex(/^[0-9A-Za-z_-]{6,128}$/, 'a WeChat openid')
      .optional(),
  })
  .strict();
export type StartPaymentInput = z.output<typeof StartPaymentInput>;
