import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, inputError, notAllowed } from '../errors.js';
import { applyBps, type Quote } from '../pricing/price.js';
import type { MemberBuyer } from '../members/pricing.js';
import type { CampaignCouponRow } from '../db/tables.js';

/**
 * Member-bound single-use coupons (issue 22): a campaign issues one to each member it
 * reaches. Unlike the area's catalog coupons (`coupons`, codes anyone may type), a
 * member coupon is redeemed only by the member it was issued to — the signed-in visitor,
 * or the member a partner that sells to members names — and only once: the order's own
 * transaction takes it with a conditional update, so two orders racing for it cannot
 * both have it.
 *
 * Returned: when the order it is on lapses (hold expired or cancelled) or is refunded
 * in full, and the coupon is still within its validity. A partial refund keeps it used:
 * the discount was spread over the order's tickets (core/orders/place.ts ticketPrices),
 * so the tickets kept still carry their share of it.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

export const CouponOffer = z
  .object({
    kind: z.enum(['amount', 'percent']),
    /** fen off for `amount`; bps off for `percent` (5000: half price) */
    value: z.number().int().min(1).max(10_000_000),
    /** at most this many fen off (a percent coupon's cap) */
    capFen: z.number().int().min(1).max(10_000_000).optional(),
    /** only this product's lines; any product when left out */
    productId: slug.optional(),
    validDays: z.number().int().min(1).max(366).default(30),
  })
  .strict()
  .refine((o) => o.kind !== 'percent' || o.value <= 10_000, {
    message: 'a percent coupon takes at most 10000 bps',
    path: ['value'],
  });
export type CouponOffer = z.output<typeof CouponOffer>;

export const MemberCouponCode = z.string().regex(/^MC[0-9A-F]{16}$/, 'a member coupon code');

export type { CampaignCouponRow } from '../db/tables.js';

/** The member coupon an order redeems, as the order path carries it to its transaction. */
export interface MemberCouponUse {
  code: string;
  accountId: string;
  discount: number;
}

/** A quote with a member coupon taken off its total (stored as the order's pricing). */
export type MemberCouponQuote = Quote & { memberCoupon?: { code: string; discount: number } };

const DAY = 86_400_000;

/** Issues the member's coupon of a campaign, or returns the one already issued (a retried send). */
export async function issueCampaignCoupon(
  trx: Knex.Transaction,
  c: { campaignId: string; areaId: string; accountId: string; offer: CouponOffer },
  now: Date,
): Promise<string> {
  const code = `MC${randomBytes(8).toString('hex').toUpperCase()}`;
  const inserted = await trx('campaign_coupons')
    .insert({
      code,
      area_id: c.areaId,
      account_id: c.accountId,
      campaign_id: c.campaignId,
      kind: c.offer.kind,
      value: c.offer.value,
      cap_fen: c.offer.capFen ?? null,
      product_id: c.offer.productId ?? null,
      valid_from: now,
      valid_until: new Date(now.getTime() + c.offer.validDays * DAY),
      issued_at: now,
    })
    .onConflict(['campaign_id', 'account_id'])
    .ignore()
    .returning('code');
  if (inserted[0]) return inserted[0].code;
  const row = await trx('campaign_coupons')
    .where({ campaign_id: c.campaignId, account_id: c.accountId })
    .first('code');
  return row!.code;
}

/** Pure: the discount a coupon gives on a quote (its product's lines, or the total), within its cap. */
export function couponDiscount(
  c: Pick<CampaignCouponRow, 'kind' | 'value' | 'cap_fen' | 'product_id'>,
  q: Quote,
): number | undefined {
  const base = c.product_id
    ? Math.min(
        q.total,
        q.lines.filter((l) => l.productId === c.product_id).reduce((s, l) => s + l.amount, 0),
      )
    : q.total;
  if (c.product_id && base === 0) return undefined;
  let d = c.kind === 'amount' ? c.value : applyBps(base, c.value);
  if (c.cap_fen !== null) d = Math.min(d, c.cap_fen);
  return Math.min(d, base);
}

/**
 * Checks the member coupon an order names and takes it off the quote's total (before
 * points, so points pay a share of what is left). Only reads: the coupon is taken in the
 * order's transaction by {@link redeemMemberCoupon}.
 */
export async function applyMemberCoupon(
  db: Knex,
  areaId: string,
  q: Quote,
  buyer: MemberBuyer | undefined,
  code: string | undefined,
  now: Date,
): Promise<{ q: MemberCouponQuote; use?: MemberCouponUse }> {
  if (!code) return { q };
  const field = [{ path: 'memberCoupon', message: 'member coupon' }];
  const c: CampaignCouponRow | undefined = await db('campaign_coupons')
    .where({ area_id: areaId, code })
    .first();
  if (!c) throw inputError('member_coupon_unknown', `no member coupon ${code} in this area`, field);
  if (!buyer || buyer.accountId !== c.account_id)
    throw notAllowed('member_coupon_not_yours', 'this coupon is redeemed by the member it was issued to');
  if (c.order_id) throw conflict('member_coupon_redeemed', 'this coupon has been used');
  if (now < c.valid_from || now > c.valid_until)
    throw inputError('member_coupon_not_valid', 'this coupon is not valid now', field);
  const discount = couponDiscount(c, q);
  if (discount === undefined)
    throw inputError('member_coupon_wrong_product', `this coupon is for ${c.product_id} only`, field);
  return {
    q: { ...q, total: q.total - discount, memberCoupon: { code, discount } },
    use: { code, accountId: c.account_id, discount },
  };
}

/** In the order's transaction: takes the coupon, or refuses when another order took it first. */
export async function redeemMemberCoupon(
  trx: Knex.Transaction,
  areaId: string,
  orderId: string,
  use: MemberCouponUse,
  now: Date,
): Promise<void> {
  // conditional on it being free: the second of two racing orders updates nothing
  const n = await trx('campaign_coupons')
    .where({ area_id: areaId, code: use.code, account_id: use.accountId })
    .whereNull('order_id')
    .where('valid_until', '>=', now)
    .update({ order_id: orderId, discount_fen: use.discount, redeemed_at: now });
  if (n !== 1) throw conflict('member_coupon_redeemed', 'this coupon has been used');
}

/**
 * Gives back the coupons of orders that lapsed (expired, cancelled) or were refunded in
 * full, while they are still valid. Idempotent: a returned coupon has no order left.
 */
export async function returnLapsedCoupons(db: Knex, now: Date): Promise<number> {
  const r = await db.raw<{ rowCount: number }>(
    `update campaign_coupons c
        set order_id = null, discount_fen = null, redeemed_at = null
       from orders o
      where o.id = c.order_id
        and o.status in ('expired', 'cancelled', 'refunded')
        and c.valid_until > ?`,
    [now],
  );
  return r.rowCount;
}

/** The member's campaign coupons (their member page). */
export async function couponsOf(db: Knex, accountId: string): Promise<CampaignCouponRow[]> {
  return db('campaign_coupons').where({ account_id: accountId }).orderBy('issued_at');
}
