import type { Knex } from 'knex';
import { conflict, inputError, notAllowed } from '../errors.js';
import { applyBps, type Quote } from '../pricing/price.js';
import type { Actor } from '../orders/model.js';
import { accountByMemberNo, accountByPhoneHash } from './accounts.js';
import { loadSettings } from './settings.js';

/**
 * The hooks the order path calls (core/orders/place.ts): who the member buying is, the
 * points they spend as a discount on the quote, and the booking of both in the order's
 * own transaction — so the order's total, the payment's amount and the points ledger
 * cannot disagree.
 */
export interface MemberBuyer {
  accountId: string;
  /** a rule made the account a member: member prices apply */
  isMember: boolean;
  via: 'session' | 'partner' | 'box_office';
}

/** What a member order books beside the order. */
export interface MemberPlacement {
  buyer: MemberBuyer;
  pointsSpent: number;
  pointsDiscount: number;
}

/** The quote with the points spent on it (stored as the order's pricing, so a receipt explains it). */
export type PointsQuote = Quote & { points?: { points: number; discount: number } };

interface MemberInput {
  memberRef?: string;
  points?: number;
}

/**
 * The member an order is for: the signed-in visitor's own account (the session proves the
 * phone), the member a partner names by member number — only a partner flagged as selling
 * to members may — or the member staff at the box office identified (phone or member card,
 * resolved to the member number by core/channels/box-office.ts; staff stand in front of
 * the person). Nobody else buys as a member.
 */
export async function memberBuyer(
  db: Knex,
  actor: Actor,
  input: MemberInput,
): Promise<MemberBuyer | undefined> {
  let buyer: MemberBuyer | undefined;
  if (actor.kind === 'visitor' && actor.id !== 'anonymous') {
    const a = await accountByPhoneHash(db, actor.id);
    if (a) buyer = { accountId: a.id, isMember: a.member_since !== null, via: 'session' };
  } else if (actor.kind === 'partner' && input.memberRef) {
    const partner = await db('partners').where({ id: actor.id }).first('sells_to_members');
    if (!partner?.sells_to_members)
      throw notAllowed('member_channel_not_allowed', 'this partner does not sell to members');
    const a = await accountByMemberNo(db, input.memberRef);
    if (!a)
      throw inputError('unknown_member', `no member ${input.memberRef}`, [
        { path: 'memberRef', message: 'unknown member number' },
      ]);
    buyer = { accountId: a.id, isMember: a.member_since !== null, via: 'partner' };
  } else if (actor.kind === 'staff' && input.memberRef) {
    const a = await accountByMemberNo(db, input.memberRef);
    if (!a)
      throw inputError('unknown_member', `no member ${input.memberRef}`, [
        { path: 'member', message: 'unknown member' },
      ]);
    buyer = { accountId: a.id, isMember: a.member_since !== null, via: 'box_office' };
  } else if (input.memberRef) {
    throw notAllowed(
      'member_channel_not_allowed',
      'only partners that sell to members, and the box office, name a member',
    );
  }
  if (input.points && buyer?.via !== 'session')
    throw notAllowed('points_not_allowed', 'points are spent by the signed-in member');
  return buyer;
}

/** Takes the points off the quote's total, within the balance and the area's share. */
export async function spendPoints(
  db: Knex,
  areaId: string,
  q: Quote,
  buyer: MemberBuyer | undefined,
  points: number | undefined,
): Promise<{ q: PointsQuote; member?: MemberPlacement }> {
  if (!buyer) return { q };
  if (!points) return { q, member: { buyer, pointsSpent: 0, pointsDiscount: 0 } };
  if (!buyer.isMember) throw notAllowed('points_not_allowed', 'points are spent by members');
  const s = await loadSettings(db, areaId);
  const discount = points * s.pointValueFen;
  const most = applyBps(q.total, s.maxPointsShareBps);
  if (discount > most)
    throw inputError('points_over_share', `points may pay at most ${most} fen of this order`, [
      { path: 'points', message: `at most ${Math.floor(most / s.pointValueFen)} points` },
    ]);
  const row = await db('member_accounts').where({ id: buyer.accountId }).first('points');
  if ((row?.points ?? 0) < points) throw conflict('points_insufficient', 'not enough points');
  return {
    q: { ...q, total: q.total - discount, points: { points, discount } },
    member: { buyer, pointsSpent: points, pointsDiscount: discount },
  };
}

/** In the order's transaction: the order's member, and the points it spends taken off the balance. */
export async function bookMemberOrder(
  trx: Knex.Transaction,
  orderId: string,
  areaId: string,
  m: MemberPlacement,
  now: Date,
): Promise<void> {
  await trx('member_orders').insert({
    order_id: orderId,
    account_id: m.buyer.accountId,
    via: m.buyer.via,
    member_price: m.buyer.isMember,
    points_spent: m.pointsSpent,
    points_discount: m.pointsDiscount,
  });
  if (!m.pointsSpent) return;
  // conditional: two orders spending the same points race here, and one of them loses
  const n = await trx('member_accounts')
    .where({ id: m.buyer.accountId })
    .andWhere('points', '>=', m.pointsSpent)
    .update({ points: trx.raw('points - ?', [m.pointsSpent]), updated_at: now });
  if (n !== 1) throw conflict('points_insufficient', 'not enough points');
  await trx('member_points').insert({
    account_id: m.buyer.accountId,
    delta: -m.pointsSpent,
    reason: 'spend',
    ref: `spend:order:${orderId}`,
    area_id: areaId,
    created_at: now,
  });
}

/** Whether the signed-in visitor is a member (prices on the visitor page). */
export async function isSignedInMember(db: Knex, actor: Actor): Promise<boolean> {
  if (actor.kind !== 'visitor' || actor.id === 'anonymous') return false;
  const a = await accountByPhoneHash(db, actor.id);
  return Boolean(a?.member_since);
}

/** Whether a partner sells to members (its offer then shows member prices too). */
export async function sellsToMembers(db: Knex, partnerId: string): Promise<boolean> {
  const row = await db('partners').where({ id: partnerId }).first('sells_to_members');
  return Boolean(row?.sells_to_members);
}

export async function setSellsToMembers(db: Knex, partnerId: string, on: boolean): Promise<boolean> {
  return (await db('partners').where({ id: partnerId }).update({ sells_to_members: on })) === 1;
}
