import type { Knex } from 'knex';
import { conflict } from '../errors.js';
import type { PiiVault } from '../pii/crypto.js';
import { maskName } from '../pii/mask.js';
import { LIVE_STATUSES, type Actor, type OrderView } from '../orders/model.js';
import { viewOrders } from '../orders/store.js';
import { audit } from '../audit/store.js';
import { localParts } from '../time.js';
import type { MemberAccountRow, OrderRow } from '../db/tables.js';
import { viewAccount, type MemberView } from './accounts.js';

/**
 * Personal-information law (PIPL): a member sees and exports what is kept about them, and
 * may have it deleted. Deletion erases the person — phone, name, ID number, on the account
 * and on every order and ticket of theirs — and keeps the books: orders, lines, payments,
 * refunds and the points ledger stay, with masked values where a person was.
 */
export interface MemberExport {
  exportedAt: string;
  account: MemberView;
  points: { delta: number; reason: string; ref: string; areaId: string | null; at: string }[];
  orders: OrderView[];
  /** second spend (core/spend): the sales inside areas that name them or their orders' tickets */
  spend: {
    merchantId: string;
    areaId: string;
    category: string;
    amount: number;
    refunded: number;
    at: string;
  }[];
}

/** The orders that are the person's: bought as the member, or with their phone as contact. */
async function theirOrders(db: Knex, a: MemberAccountRow, lock = false): Promise<OrderRow[]> {
  const q = db('orders').whereIn('id', db('member_orders').where({ account_id: a.id }).select('order_id'));
  if (a.phone_hash) void q.orWhere('contact_phone_hash', a.phone_hash);
  if (lock) void q.forUpdate();
  return q.orderBy('created_at');
}

export async function exportMemberData(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  a: MemberAccountRow,
  now: Date,
): Promise<MemberExport> {
  const [account, points, orders, spend] = await Promise.all([
    viewAccount(db, vault, a),
    db('member_points').where({ account_id: a.id }).orderBy('id'),
    theirOrders(db, a),
    db('spend_sales')
      .where({ account_id: a.id })
      .orWhereIn('order_id', db('member_orders').where({ account_id: a.id }).select('order_id'))
      .orderBy('sold_at'),
  ]);
  await audit(db, actor, 'scenic.member.exported', a.id);
  return {
    exportedAt: now.toISOString(),
    account,
    points: points.map((p) => ({
      delta: p.delta,
      reason: p.reason,
      ref: p.ref,
      areaId: p.area_id,
      at: p.created_at.toISOString(),
    })),
    orders: await viewOrders(db, vault, orders),
    spend: spend.map((x) => ({
      merchantId: x.merchant_id,
      areaId: x.area_id,
      category: x.category,
      amount: x.amount,
      refunded: x.amount_refunded,
      at: x.sold_at.toISOString(),
    })),
  };
}

export interface Erasure {
  memberNo: string;
  erasedAt: string;
  orders: number;
  tickets: number;
}

/** Erases the person and keeps the books; refused while a visit of theirs is still to come. */
export async function eraseMember(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  a: MemberAccountRow,
  now: Date,
): Promise<Erasure> {
  return db.transaction(async (trx) => {
    const orders = await theirOrders(trx, a, true);
    const today = localParts(now, 'Asia/Shanghai').date;
    if (orders.some((o) => LIVE_STATUSES.includes(o.status) && o.visit_date > today))
      throw conflict(
        'member_has_upcoming_visits',
        'a visit is still to come: cancel or refund it first, then ask for deletion again',
      );
    const ids = orders.map((o) => o.id);
    const tickets = ids.length ? await trx('tickets').whereIn('order_id', ids) : [];
    for (const t of tickets)
      await trx('tickets')
        .where({ id: t.id })
        .update({
          // masked values in the sealed columns: a receipt still reads, nobody is named
          visitor_name_enc: vault.encrypt(maskName(vault.decrypt(t.visitor_name_enc))),
          id_number_enc: vault.encrypt(t.id_masked),
          id_hash: `erased:${t.id}`,
        });
    if (ids.length)
      await trx('orders')
        .whereIn('id', ids)
        .update({ contact_phone_enc: null, contact_phone_hash: null, updated_at: now });
    await trx('member_accounts')
      .where({ id: a.id })
      .update({
        phone_hash: null,
        phone_enc: null,
        name_enc: null,
        mp_openid_enc: null,
        id_type: null,
        id_number_enc: null,
        id_masked: null,
        marketing_consent: false,
        consent_withdrawn_at: a.marketing_consent ? now : a.consent_withdrawn_at,
        deleted_at: now,
        updated_at: now,
      });
    await audit(trx, actor, 'scenic.member.erased', a.id, { orders: ids.length, tickets: tickets.length });
    return {
      memberNo: a.member_no,
      erasedAt: now.toISOString(),
      orders: ids.length,
      tickets: tickets.length,
    };
  });
}
