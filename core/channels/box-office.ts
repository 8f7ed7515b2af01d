import { z } from 'zod';
import { conflict, inputError, notAllowed } from '../errors.js';
import { Phone, PlaceOrderInput, VisitorInput } from '../orders/inputs.js';
import { placeOrder } from '../orders/place.js';
import { recordOfflinePayment, startPayment, type PaymentStart } from '../orders/payment.js';
import { loadOrder, viewOrder, type OrderDeps } from '../orders/store.js';
import { audit } from '../audit/store.js';
import type { Actor, OrderView } from '../orders/model.js';
import { localParts } from '../time.js';
import { accountByPhoneHash } from '../members/accounts.js';

/**
 * Selling at the window, the kiosk and the handheld: walk-up sales paid in cash, by
 * card (recorded as paid: the card terminal is outside the system; a kiosk records it
 * only with the terminal's reference) or by QR through the payment provider (WeChat
 * Native / Alipay precreate); group sales with their visitor list; reprints. Refunds of
 * cash and card wait for a cashier at the counter (core/orders/refunds.ts).
 * The staff credential fixes the channel (box-office, kiosk, handheld), so its quota,
 * prices and the on-site capacity rules apply (on-site sells the reserve above orange).
 */
export const PAYMENT_METHODS = ['cash', 'card', 'qr'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

const Payment = z.object({
  method: z.enum(PAYMENT_METHODS),
  /** card terminal or cash drawer reference */
  reference: z.string().max(64).optional(),
  /** cash handed over, in fen, to compute change */
  tendered: z.number().int().min(0).optional(),
});

const dateOpt = z.iso.date().optional();

/**
 * Issue 22: the member at the window, identified by the member card (its member number) or
 * by the phone they signed up with; they then pay the member price, as on every channel.
 */
export const BoxOfficeMember = z.union([
  z.object({ memberNo: z.string().regex(/^M\d{12}$/, 'a member number, M and 12 digits') }).strict(),
  z.object({ phone: Phone }).strict(),
]);
export type BoxOfficeMember = z.output<typeof BoxOfficeMember>;

export const WalkUpInput = PlaceOrderInput.pick({
  areaId: true,
  slotId: true,
  items: true,
  contactPhone: true,
  coupons: true,
}).extend({ date: dateOpt, payment: Payment, member: BoxOfficeMember.optional() });
export type WalkUpInput = z.output<typeof WalkUpInput>;

export const GroupSaleInput = z.object({
  areaId: PlaceOrderInput.shape.areaId,
  date: dateOpt,
  slotId: PlaceOrderInput.shape.slotId,
  productId: z.string().min(1),
  groupName: z.string().trim().min(1).max(120),
  leader: z.object({ name: z.string().trim().min(1).max(64), phone: Phone }),
  visitors: z.array(VisitorInput).min(2).max(500),
  payment: Payment,
});
export type GroupSaleInput = z.output<typeof GroupSaleInput>;

/** Which payment methods each role that sells may take (a kiosk holds no cash). */
const METHODS_BY_ROLE: Partial<Record<NonNullable<Actor['role']>, readonly PaymentMethod[]>> = {
  'box-office': ['cash', 'card', 'qr'],
  handheld: ['cash', 'card', 'qr'],
  kiosk: ['card', 'qr'],
  admin: ['cash', 'card', 'qr'],
};

export interface Sale {
  order: OrderView;
  payment: {
    method: PaymentMethod;
    status: 'paid' | 'pending';
    payUrl: string | null;
    changeDue: number | null;
  };
}

function checkMethod(actor: Actor, method: PaymentMethod): void {
  const allowed = (actor.role && METHODS_BY_ROLE[actor.role]) || [];
  if (!allowed.includes(method))
    throw notAllowed(
      'payment_method_not_allowed',
      `${actor.role ?? 'this credential'} cannot take ${method} payments`,
    );
}

/** Nobody stands at a kiosk to vouch for a card payment: its terminal's reference proves it, or it is not recorded. */
function checkReference(actor: Actor, payment: z.output<typeof Payment>): void {
  if (payment.method === 'card' && actor.role === 'kiosk' && !payment.reference)
    throw inputError(
      'card_reference_required',
      'a kiosk records a card payment with the terminal reference',
      [{ path: 'payment.reference', message: "the card terminal's transaction reference" }],
    );
}

/** Takes the money for a held order: cash/card are recorded as paid, QR starts a gateway payment. */
export async function settleAtCounter(
  d: OrderDeps,
  actor: Actor,
  order: OrderView,
  payment: z.output<typeof Payment>,
): Promise<Sale> {
  checkReference(actor, payment);
  if (payment.method === 'qr') {
    // the visitor scans the code the counter shows: a QR scene whatever the device
    const p: PaymentStart = await startPayment(d, actor, order.id, { device: 'desktop' });
    return {
      order: await viewOrder(d.db, d.vault, order.id),
      payment: {
        method: 'qr',
        status: p.status === 'issued' ? 'paid' : 'pending',
        payUrl: p.payUrl,
        changeDue: null,
      },
    };
  }
  if (payment.method === 'cash' && payment.tendered !== undefined && payment.tendered < order.amountTotal) {
    throw inputError(
      'insufficient_cash',
      `tendered ${payment.tendered} is less than the amount ${order.amountTotal}`,
      [{ path: 'payment.tendered', message: 'less than the amount due' }],
    );
  }
  const r = await recordOfflinePayment(d, actor, order.id, payment.method, {
    staff: actor.id,
    reference: payment.reference ?? null,
    tendered: payment.tendered ?? null,
  });
  if (r.outcome !== 'issued' && r.outcome !== 'already_issued')
    throw conflict('payment_not_recorded', `the payment could not be recorded (${r.outcome})`);
  const changeDue =
    payment.method === 'cash' && payment.tendered !== undefined ? payment.tendered - order.amountTotal : null;
  return { order: r.order, payment: { method: payment.method, status: 'paid', payUrl: null, changeDue } };
}

async function todayIn(d: OrderDeps, areaId: string): Promise<string> {
  return localParts(d.clock.now(), (await d.catalog.area(areaId)).timezone).date;
}

/** The member number of the member identified at the window; unknown ones are refused. */
async function memberNoOf(d: OrderDeps, m: BoxOfficeMember): Promise<string> {
  if ('memberNo' in m) return m.memberNo;
  const a = await accountByPhoneHash(d.db, d.vault.lookupHash('phone', m.phone));
  if (!a)
    throw inputError('unknown_member', 'no member account for this phone', [
      { path: 'member.phone', message: 'no member with this phone' },
    ]);
  return a.member_no;
}

/** A walk-up sale at the window, kiosk or handheld. */
export async function walkUpSale(d: OrderDeps, actor: Actor, input: WalkUpInput): Promise<Sale> {
  checkMethod(actor, input.payment.method);
  checkReference(actor, input.payment);
  const date = input.date ?? (await todayIn(d, input.areaId));
  const { member, ...order } = input;
  const memberRef = member ? await memberNoOf(d, member) : undefined;
  const { accessToken: _t, ...held } = await placeOrder(d, actor, {
    ...order,
    date,
    channelId: actor.channelId ?? undefined,
    ...(memberRef ? { memberRef } : {}),
  });
  const sale = await settleAtCounter(d, actor, held, input.payment);
  await audit(d.db, actor, 'scenic.box_office.sale', held.id, {
    method: input.payment.method,
    amount: held.amountTotal,
    tickets: held.tickets.length,
    // how the member was identified, never who (the order's member link says that)
    ...(member ? { member: 'memberNo' in member ? 'card' : 'phone' } : {}),
  });
  return sale;
}

/** A group's tickets in one order: one ticket per visitor on the list, the leader as contact. */
export async function groupSale(d: OrderDeps, actor: Actor, input: GroupSaleInput): Promise<Sale> {
  checkMethod(actor, input.payment.method);
  checkReference(actor, input.payment);
  const date = input.date ?? (await todayIn(d, input.areaId));
  const items: PlaceOrderInput['items'] = [];
  for (let i = 0; i < input.visitors.length; i += 50)
    items.push({ productId: input.productId, visitors: input.visitors.slice(i, i + 50) });
  if (items.length > 10)
    throw inputError('group_too_large', 'a group order takes at most 500 visitors', [
      { path: 'visitors', message: 'at most 500' },
    ]);
  const { accessToken: _t, ...held } = await placeOrder(d, actor, {
    areaId: input.areaId,
    date,
    slotId: input.slotId,
    items,
    contactPhone: input.leader.phone,
    coupons: [],
    channelId: actor.channelId ?? undefined,
  });
  const sale = await settleAtCounter(d, actor, held, input.payment);
  await audit(d.db, actor, 'scenic.box_office.group_sale', held.id, {
    group: input.groupName,
    visitors: input.visitors.length,
    method: input.payment.method,
    amount: held.amountTotal,
  });
  return sale;
}

/** The codes of an issued order again (a lost or unreadable print), audited. */
export async function reprintTickets(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  ticketIds?: readonly string[],
): Promise<OrderView> {
  const o = await loadOrder(d.db, orderId);
  if (o.status !== 'issued' && o.status !== 'partially_refunded')
    throw conflict('order_not_issued', `order is ${o.status}`);
  const view = await viewOrder(d.db, d.vault, orderId);
  const tickets = view.tickets.filter(
    (t) => t.status === 'valid' && (!ticketIds || ticketIds.includes(t.id)),
  );
  if (!tickets.length) throw conflict('nothing_to_reprint', 'no valid ticket to reprint');
  await audit(d.db, actor, 'scenic.ticket.reprinted', orderId, { ticketIds: tickets.map((t) => t.id) });
  return { ...view, tickets };
}
