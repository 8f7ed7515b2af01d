import type { Knex } from 'knex';
import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { JointProductRow } from '../db/tables.js';
import { inputError, type CodeOf, type FieldIssue } from '../errors.js';
import { crashPoint } from '../faults.js';
import { uuidv7, secretToken } from '../ids.js';
import { completeInTransaction, type IdempotencyKey } from '../idempotency.js';
import { refusalError } from '../inventory/errors.js';
import { checkIdDocument } from '../pii/id-number.js';
import { maskIdNumber } from '../pii/mask.js';
import { quote, type Quote } from '../pricing/price.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';
import { hashToken, orderAccessToken } from '../orders/access.js';
import {
  checkOrderSize,
  holdBudget,
  returnHoldBudget,
  reserveWithinBudget,
  type ClientOrigin,
  type HoldBudget,
} from '../orders/hold-caps.js';
import { actorName, type Actor, type OrderView } from '../orders/model.js';
import { channelFor, scheduleHoldExpiry } from '../orders/place.js';
import { saleWindowIssues } from '../orders/sale-window.js';
import { orderExists, viewOrder, type OrderDeps } from '../orders/store.js';
import { splitAmount } from '../settlement/split.js';
import type { JointOrderInput } from './inputs.js';
import { loadJointProduct } from './store.js';
import { bookMemberOrder, memberBuyer, type MemberBuyer } from '../members/pricing.js';

/**
 * Buying a joint ticket: one order, one payment, one ticket per visitor per area.
 *
 * Each area's stock keys carry that area's hash tag, so no single script can take stock
 * at several areas at once. The order is made atomic for the buyer instead:
 *  1. the areas are reserved one by one, always in the product's order (by area id), all
 *     under the same reservation id, the order's id;
 *  2. an area that refuses makes the order give back what the earlier areas gave it
 *     (compensation), and the buyer gets that area's refusal;
 *  3. the order is written in Postgres only once every area said yes.
 * A process that dies between two areas (or before its commit) leaves reservations that
 * no order points at. Since they carry the order id and the reconciler compares every
 * area's reservations with the tickets of that area (core/orders/reconcile.ts), its sweep
 * releases them after the grace period: no area keeps stock for an order that does not exist
 * (tests/joint/crash.test.ts kills the API at `joint.between-areas` and proves it).
 */
interface Leg {
  area: AreaConfig;
  slotId: string;
  shareBps: number;
  /** the caller's held-units budget at this area (core/orders/hold-caps.ts); none for staff and partners */
  budget: HoldBudget | undefined;
}

interface Visitor {
  name: string;
  idType: string;
  idNumber: string;
  idHash: string;
}

interface JointPlacement {
  actor: Actor;
  input: JointOrderInput;
  product: JointProductRow;
  channel: Channel;
  legs: Leg[];
  visitors: Visitor[];
  q: Quote;
  /** issue 22: the member the order is for (no points on joint orders) */
  buyer: MemberBuyer | undefined;
  orderId: string;
  accessToken: string;
  expiresAt: Date;
  now: Date;
}

export async function placeJointOrder(
  d: OrderDeps,
  actor: Actor,
  input: JointOrderInput,
  idem?: IdempotencyKey,
  origin: ClientOrigin = {},
): Promise<OrderView & { accessToken: string }> {
  const now = d.clock.now();
  const product = await loadJointProduct(d.db, input.jointProductId);
  const channel = channelFor(actor, input.channelId, await d.catalog.channels());
  // The same guards as an ordinary order (issue 17 item 8): every area the trip holds stock
  // at counts it against the caller's budget of that area-day, so a joint product is no way
  // round the caps, and a joint and an ordinary order share one budget.
  const budgetAt = (areaId: string) =>
    d.holdCaps &&
    holdBudget(actor, origin, d.holdCaps.policy, { areaId, date: input.date }, (k, v) =>
      d.vault.lookupHash(k, v),
    );
  const legs = await Promise.all(
    product.areas.map(async (l) => ({
      area: await d.catalog.area(l.areaId),
      slotId: l.slotId,
      shareBps: l.shareBps,
      budget: budgetAt(l.areaId),
    })),
  );
  // each area holds one unit per visitor: the order's size at every area
  checkOrderSize(legs[0]!.budget, input.visitors.length);
  const visitors = checkedVisitors(d, input, legs, channel, now);
  // issue 22: the member price of the product for a member (session, partner or box office), as in every channel
  const buyer = await memberBuyer(d.db, actor, { memberRef: input.memberRef });
  const orderId = uuidv7(now.getTime());
  const p: JointPlacement = {
    actor,
    input,
    product,
    channel,
    legs,
    visitors,
    q: priced(product, channel, input, legs[0]!, now, buyer?.isMember ?? false),
    buyer,
    orderId,
    now,
    accessToken: idem?.secret ? orderAccessToken(d.vault, idem.secret, orderId) : secretToken(),
    // anonymous holds are shorter, as for an ordinary order
    expiresAt: new Date(
      now.getTime() + Math.min(d.holdTtlSeconds, legs[0]!.budget?.holdSeconds ?? Infinity) * 1000,
    ),
  };
  await reserveEveryArea(d, p);
  let view: OrderView | undefined;
  try {
    await d.db.transaction(async (trx) => {
      await writeJointOrder(trx, d, p);
      view = await viewOrder(trx, d.vault, orderId);
      if (idem) await completeInTransaction(trx, idem, { status: 201, body: view });
    });
  } catch (e) {
    // released only when the order is certainly not in the books (docs/adr/0008)
    if ((await orderExists(d.db, orderId).catch(() => undefined)) === false)
      await giveBack(d, p, p.legs.length);
    throw e;
  }
  d.onOutcome?.({
    kind: 'held',
    areaId: legs[0]!.area.id,
    date: input.date,
    slotId: legs[0]!.slotId,
    channelId: channel.id,
    tickets: visitors.length * legs.length,
    amount: p.q.total,
  });
  // the answer does not wait for the job: the sweeper expires a hold whose job was lost
  void scheduleHoldExpiry(d, orderId, p.expiresAt);
  return { ...view!, accessToken: p.accessToken };
}

/** Every check that needs no stock: each leg's selling window and slot, each visitor's ID. */
function checkedVisitors(
  d: OrderDeps,
  input: JointOrderInput,
  legs: readonly Leg[],
  channel: Channel,
  now: Date,
): Visitor[] {
  const problems: (FieldIssue & { code?: CodeOf<'input'> })[] = [];
  for (const l of legs)
    problems.push(...saleWindowIssues({ date: input.date, slotId: l.slotId }, l.area, channel, now));
  const visitors: Visitor[] = [];
  input.visitors.forEach((v, i) => {
    const check = checkIdDocument(v.idType, v.idNumber, now);
    if (!check.ok) {
      problems.push({
        path: `visitors.${i}.idNumber`,
        message: `${check.reason}: ${maskIdNumber(v.idNumber)} is not a valid ${v.idType} number`,
        code: check.reason,
      });
      return;
    }
    const idNumber = check.normalised;
    visitors.push({ name: v.name, idType: v.idType, idNumber, idHash: d.vault.lookupHash('id', idNumber) });
  });
  if (problems.length) {
    const first = problems[0]!;
    throw inputError(
      first.code ?? 'invalid_order',
      `${first.path}: ${first.message}`,
      problems.map(({ path, message }) => ({ path, message })),
    );
  }
  return visitors;
}

/**
 * The joint product's price for the visitors, with the channel's discount and the product's
 * own member price (no area's own price rules).
 */
function priced(
  product: JointProductRow,
  channel: Channel,
  input: JointOrderInput,
  first: Leg,
  now: Date,
  member: boolean,
): Quote {
  return quote([{ productId: product.id, basePrice: product.price, quantity: input.visitors.length }], {
    channelId: channel.id,
    channelDiscountBps: channel.discountBps,
    date: input.date,
    slotStart: first.area.slots.find((s) => s.id === first.slotId)?.startsAt ?? '00:00',
    member,
    now,
    rules: product.member_bps
      ? [{ kind: 'member', productId: null, params: { bps: product.member_bps } } as const]
      : [],
    coupons: [],
  });
}

/**
 * Takes stock area by area in the product's fixed order, each area's budget first; a
 * refusal (of a budget or of the stock) gives back what was taken.
 */
async function reserveEveryArea(d: OrderDeps, p: JointPlacement): Promise<void> {
  let taken = 0;
  try {
    for (const leg of p.legs) {
      const r = await reserveWithinBudget(
        d.inventory,
        {
          resId: p.orderId,
          areaId: leg.area.id,
          date: p.input.date,
          slotId: leg.slotId,
          channelId: p.channel.id,
          channelKind: p.channel.kind,
          units: p.visitors.length,
          idHashes: p.visitors.map((v) => v.idHash),
          expiresAt: p.expiresAt.getTime(),
        },
        false,
        leg.budget && { budget: leg.budget, redis: d.holdCaps!.redis, db: d.db },
      );
      // a refusal took nothing, the budget included
      if (!r.ok) {
        d.onOutcome?.({
          kind: 'refused',
          areaId: leg.area.id,
          date: p.input.date,
          slotId: leg.slotId,
          channelId: p.channel.id,
          tickets: p.visitors.length,
          amount: 0,
          reason: r.reason,
        });
        throw refusalError(r.reason, { level: r.level, waitlist: false, areaId: leg.area.id });
      }
      taken++;
      // the crash test's point: stock taken at an area, not yet at the next one
      if (taken < p.legs.length) crashPoint('joint.between-areas');
    }
  } catch (e) {
    await giveBack(d, p, taken);
    throw e;
  }
}

/** Compensation: releases the first `n` legs' reservations and budgets (what the reserve loop took). */
async function giveBack(d: OrderDeps, p: JointPlacement, n: number): Promise<void> {
  for (const leg of p.legs.slice(0, n)) {
    await d.inventory
      .release(leg.area.id, p.input.date, p.orderId, 'all')
      .catch((e: unknown) =>
        d.log.error(
          { err: e, orderId: p.orderId, areaId: leg.area.id },
          'could not give back a joint leg; the reconciler will',
        ),
      );
    // a budget left behind lapses with the hold's expiry
    if (leg.budget)
      await returnHoldBudget(d.holdCaps!.redis, leg.budget, p.orderId, p.visitors.length).catch(
        () => undefined,
      );
  }
}

/**
 * Each visitor's price (the order total spread over visitors) split over the areas by
 * their shares: a refund of an area's ticket returns its part, all of them the total.
 * The suppliers' parts ride on the area tickets; settlement splits them out.
 */
export function legPrices(total: number, visitors: number, shares: readonly number[]): number[][] {
  const perVisitor = splitAmount(
    total,
    Array.from({ length: visitors }, (_, i) => ({ party: String(i), weight: 1 })),
  );
  const weights = shares.map((s, i) => ({ party: String(i), weight: s || 0 }));
  const anyWeight = weights.some((w) => w.weight > 0);
  return perVisitor.map((v) =>
    splitAmount(v, anyWeight ? weights : weights.map((w) => ({ ...w, weight: 1 }))),
  );
}

/** The parties of the sale and their shares, in the product's order (areas, then suppliers). */
export function orderParties(product: Pick<JointProductRow, 'areas' | 'suppliers'>) {
  return [
    ...product.areas.map((a) => ({ party: `area:${a.areaId}`, share_bps: a.shareBps })),
    ...product.suppliers.map((s) => ({ party: `supplier:${s.supplierId}`, share_bps: s.shareBps })),
  ].map((x, position) => ({ ...x, position }));
}

/** The order, one line per area, one ticket per visitor per area, its event and audit. */
async function writeJointOrder(trx: Knex.Transaction, d: OrderDeps, p: JointPlacement): Promise<void> {
  const { input, legs, q, orderId, now } = p;
  const phone = input.contactPhone;
  const first = legs[0]!;
  await trx('orders').insert({
    id: orderId,
    area_id: first.area.id,
    visit_date: input.date,
    slot_id: first.slotId,
    channel_id: p.channel.id,
    status: 'held',
    amount_total: q.total,
    currency: 'CNY',
    contact_phone_enc: phone ? d.vault.encrypt(phone) : null,
    contact_phone_hash: phone ? d.vault.lookupHash('phone', phone) : null,
    access_token_hash: hashToken(p.accessToken),
    partner_order_id: null,
    res_id: orderId,
    actor: actorName(p.actor),
    pricing: JSON.stringify(q),
    expires_at: p.expiresAt,
    created_at: now,
    updated_at: now,
  });
  const prices = legPrices(
    q.total,
    p.visitors.length,
    legs.map((l) => l.shareBps),
  );
  for (const [li, leg] of legs.entries()) {
    const amounts = prices.map((v) => v[li]!);
    const [line] = await trx('order_lines')
      .insert({
        order_id: orderId,
        area_id: leg.area.id,
        product_id: p.product.id,
        quantity: p.visitors.length,
        units: p.visitors.length,
        unit_price: amounts[0]!,
        amount: amounts.reduce((s, x) => s + x, 0),
      })
      .returning('id');
    await trx('tickets').insert(
      p.visitors.map((v, vi) => ({
        id: uuidv7(now.getTime()),
        order_id: orderId,
        order_line_id: line!.id,
        product_id: p.product.id,
        area_id: leg.area.id,
        visit_date: input.date,
        slot_id: leg.slotId,
        units: 1,
        price: amounts[vi]!,
        status: 'pending' as const,
        entries_allowed: 1,
        visitor_name_enc: d.vault.encrypt(v.name),
        id_type: v.idType,
        id_number_enc: d.vault.encrypt(v.idNumber),
        id_hash: v.idHash,
        id_masked: maskIdNumber(v.idNumber),
      })),
    );
  }
  const areas = legs.map((l) => l.area.id);
  await trx('order_parties').insert(orderParties(p.product).map((x) => ({ order_id: orderId, ...x })));
  if (p.buyer)
    await bookMemberOrder(
      trx,
      orderId,
      first.area.id,
      { buyer: p.buyer, pointsSpent: 0, pointsDiscount: 0 },
      now,
    );
  await outbox(trx, 'order.held', orderId, {
    areaId: first.area.id,
    date: input.date,
    slotId: first.slotId,
    channelId: p.channel.id,
    units: p.visitors.length,
    amount: q.total,
    jointProductId: p.product.id,
    areas,
  });
  await audit(trx, p.actor, 'scenic.order.held', orderId, {
    units: p.visitors.length,
    amount: q.total,
    channel: p.channel.id,
    jointProductId: p.product.id,
    areas,
  });
}
