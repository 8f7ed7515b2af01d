import type { Knex } from 'knex';
import { z } from 'zod';
import type { SpendSaleRow } from '../db/tables.js';
import { conflict, inputError, notFound } from '../errors.js';
import { requestHash } from '../idempotency.js';
import { uuidv7 } from '../ids.js';
import { accountByMemberNo } from '../members/accounts.js';
import { localParts } from '../time.js';
import { SPEND_CATEGORIES, type MerchantActor } from './merchants.js';

/**
 * The sales a merchant of an area posts (issue 22): an amount, a category, when, and who
 * bought — a ticket (its id, or the code on it) or a member (member number), or both.
 * Idempotent by the merchant's own sale id: the same post again answers the first sale; the
 * same id with another body is refused. Refunds and voids are rows of their own, idempotent
 * by the merchant's refund id, so a sale's books are never rewritten.
 */
const MERCHANT_REF = /^[A-Za-z0-9_.:-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** a till's clock may run a little ahead; a sale older than this is not a visit's spend any more */
const FUTURE_SKEW_MS = 5 * 60_000;
const MAX_AGE_MS = 30 * 86_400_000;

export const SaleInput = z
  .object({
    saleId: z.string().regex(MERCHANT_REF, '1-64 characters of [A-Za-z0-9_.:-]'),
    /** fen, what the buyer paid */
    amount: z.number().int().min(1).max(100_000_000),
    /** the merchant's own category when left out */
    category: z.enum(SPEND_CATEGORIES).optional(),
    at: z.iso.datetime({ offset: true }),
    /** a ticket id, or the code printed on the ticket */
    ticketRef: z.string().min(1).max(4096).optional(),
    /** a member number (on the member card) */
    memberRef: z
      .string()
      .regex(/^M\d{12}$/, 'a member number, M and 12 digits')
      .optional(),
  })
  .strict()
  .refine((s) => s.ticketRef !== undefined || s.memberRef !== undefined, {
    path: ['ticketRef'],
    message: 'a sale names a ticket (ticketRef) or a member (memberRef)',
  });
export type SaleInput = z.output<typeof SaleInput>;

export const RefundInput = z
  .object({
    refundId: z.string().regex(MERCHANT_REF, '1-64 characters of [A-Za-z0-9_.:-]'),
    /** fen; left out: a void of what is left of the sale */
    amount: z.number().int().min(1).max(100_000_000).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type RefundInput = z.output<typeof RefundInput>;

export const MerchantSaleRef = z.string().regex(MERCHANT_REF);

export interface SaleView {
  id: string;
  merchantId: string;
  saleId: string;
  areaId: string;
  category: SpendSaleRow['category'];
  amount: number;
  refunded: number;
  net: number;
  status: SpendSaleRow['status'];
  at: string;
  ticketId: string | null;
  orderId: string | null;
  /** a member was named or is the ticket's buyer (never who: that is personal) */
  member: boolean;
}

const view = (r: SpendSaleRow): SaleView => ({
  id: r.id,
  merchantId: r.merchant_id,
  saleId: r.merchant_sale_id,
  areaId: r.area_id,
  category: r.category,
  amount: r.amount,
  refunded: r.amount_refunded,
  net: r.amount - r.amount_refunded,
  status: r.status,
  at: r.sold_at.toISOString(),
  ticketId: r.ticket_id,
  orderId: r.order_id,
  member: r.account_id !== null,
});

/** The ticket a sale names, which must be of the merchant's area. */
async function ticketOf(db: Knex, areaId: string, ref: string) {
  const q = db('tickets').select('id', 'order_id', 'area_id');
  const t = await (UUID.test(ref) ? q.where({ id: ref }) : q.where({ code: ref })).first();
  if (!t)
    throw inputError('unknown_ticket', 'no ticket with this id or code', [
      { path: 'ticketRef', message: 'unknown ticket' },
    ]);
  if (t.area_id !== areaId)
    throw inputError('ticket_other_area', 'the ticket is not of this merchant’s area', [
      { path: 'ticketRef', message: 'a ticket of another area' },
    ]);
  return t;
}

export async function recordSale(
  db: Knex,
  m: MerchantActor,
  timezone: string,
  input: SaleInput,
  now: Date,
): Promise<{ status: 200 | 201; sale: SaleView }> {
  const hash = requestHash('POST', 'sale', input);
  const prior = await db('spend_sales')
    .where({ merchant_id: m.merchantId, merchant_sale_id: input.saleId })
    .first();
  if (prior) return replay(prior, hash);
  const at = new Date(input.at);
  if (at.getTime() > now.getTime() + FUTURE_SKEW_MS || at.getTime() < now.getTime() - MAX_AGE_MS)
    throw inputError('sale_time_out_of_range', 'a sale is posted within 30 days of it, not ahead of it', [
      { path: 'at', message: 'in the future or older than 30 days' },
    ]);
  const ticket = input.ticketRef ? await ticketOf(db, m.areaId, input.ticketRef) : undefined;
  let accountId: string | null = null;
  if (input.memberRef) {
    const a = await accountByMemberNo(db, input.memberRef);
    if (!a)
      throw inputError('unknown_member', `no member ${input.memberRef}`, [
        { path: 'memberRef', message: 'unknown member number' },
      ]);
    accountId = a.id;
  } else if (ticket) {
    // the ticket's order bought as a member: the spend is that member's too
    const mo = await db('member_orders').where({ order_id: ticket.order_id }).first('account_id');
    accountId = mo?.account_id ?? null;
  }
  const merchant = await db('merchants').where({ id: m.merchantId }).first('category');
  const [row] = await db('spend_sales')
    .insert({
      id: uuidv7(now.getTime()),
      merchant_id: m.merchantId,
      area_id: m.areaId,
      merchant_sale_id: input.saleId,
      request_hash: hash,
      category: input.category ?? merchant!.category,
      amount: input.amount,
      amount_refunded: 0,
      status: 'recorded',
      sold_at: at,
      local_date: localParts(at, timezone).date,
      ticket_id: ticket?.id ?? null,
      order_id: ticket?.order_id ?? null,
      account_id: accountId,
      created_at: now,
    })
    .onConflict(['merchant_id', 'merchant_sale_id'])
    .ignore()
    .returning('*');
  if (row) return { status: 201, sale: view(row) };
  // two posts of one sale raced: the other one's row is the sale
  const raced = await db('spend_sales')
    .where({ merchant_id: m.merchantId, merchant_sale_id: input.saleId })
    .first();
  return replay(raced!, hash);
}

function replay(prior: SpendSaleRow, hash: string): { status: 200; sale: SaleView } {
  if (prior.request_hash !== hash)
    throw conflict('merchant_sale_id_reused', `sale ${prior.merchant_sale_id} was posted with another body`);
  return { status: 200, sale: view(prior) };
}

export async function getSale(db: Knex, m: MerchantActor, saleId: string): Promise<SaleView> {
  const r = await db('spend_sales').where({ merchant_id: m.merchantId, merchant_sale_id: saleId }).first();
  if (!r) throw notFound('sale_not_found', `no sale ${saleId}`);
  return view(r);
}

/**
 * A refund of part of a sale, or (no amount) its void: what is left of it refunded and
 * the sale marked voided. Idempotent by the merchant's refund id.
 */
export async function refundSale(
  db: Knex,
  m: MerchantActor,
  saleId: string,
  input: RefundInput,
  now: Date,
): Promise<{ status: 200 | 201; sale: SaleView }> {
  const hash = requestHash('POST', `refund:${saleId}`, input);
  return db.transaction(async (trx) => {
    const sale = await trx('spend_sales')
      .where({ merchant_id: m.merchantId, merchant_sale_id: saleId })
      .forUpdate()
      .first();
    if (!sale) throw notFound('sale_not_found', `no sale ${saleId}`);
    const prior = await trx('spend_refunds')
      .where({ merchant_id: m.merchantId, merchant_refund_id: input.refundId })
      .first();
    if (prior) {
      if (prior.request_hash !== hash)
        throw conflict('merchant_refund_id_reused', `refund ${input.refundId} was posted with another body`);
      return { status: 200 as const, sale: view(sale) };
    }
    if (sale.status === 'voided') throw conflict('sale_voided', `sale ${saleId} is voided`);
    const left = sale.amount - sale.amount_refunded;
    const amount = input.amount ?? left;
    if (amount > left || amount === 0)
      throw conflict('refund_exceeds_sale', `at most ${left} fen of sale ${saleId} is left to refund`, {
        left,
      });
    await trx('spend_refunds').insert({
      id: uuidv7(now.getTime()),
      sale_id: sale.id,
      merchant_id: m.merchantId,
      merchant_refund_id: input.refundId,
      request_hash: hash,
      amount,
      void: input.amount === undefined,
      at: input.at ? new Date(input.at) : now,
    });
    const [after] = await trx('spend_sales')
      .where({ id: sale.id })
      .update({
        amount_refunded: sale.amount_refunded + amount,
        status: input.amount === undefined ? 'voided' : 'recorded',
      })
      .returning('*');
    return { status: 201 as const, sale: view(after!) };
  });
}
