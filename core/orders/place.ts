import { PARTNER_CHANNEL_PREFIX } from '../catalog/definition.js';
import { conflict, inputError, notAllowed, type CodeOf, type FieldIssue } from '../errors.js';
import { checkIdDocument } from '../pii/id-number.js';
import { maskIdNumber } from '../pii/mask.js';
import { quote, type Quote } from '../pricing/price.js';
import { uuidv7, secretToken } from '../ids.js';
import { addDays, localParts } from '../time.js';
import { completeInTransaction, type IdempotencyKey } from '../idempotency.js';
import { crashPoint } from '../faults.js';
import { isUniqueViolation, UNIQUE_CONSTRAINTS } from '../db/errors.js';
import { usableClaim } from './waitlist.js';
import { usablePresaleHold } from '../presale/holds.js';
import { refusalError } from '../inventory/errors.js';
import type { AreaConfig, Channel, Product } from '../catalog/catalog.js';
import type { PlaceOrderInput } from './inputs.js';
import { hashToken } from './access.js';
import { actorName, type Actor, type OrderView } from './model.js';
import { viewOrder, type OrderDeps } from './store.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';

/** How far ahead visitors may book. */
export const BOOKING_HORIZON_DAYS = 90;

/** The sales channel an actor sells through; visitors may choose among online ones. */
export function channelFor(
  actor: Actor,
  requested: string | undefined,
  channels: Map<string, Channel>,
): Channel {
  const id = actor.kind === 'visitor' ? (requested ?? 'web') : (actor.channelId ?? requested ?? 'box-office');
  const ch = channels.get(id);
  if (!ch)
    throw inputError('unknown_channel', `no sales channel ${id}`, [
      { path: 'channelId', message: 'unknown channel' },
    ]);
  if (actor.kind === 'visitor' && ch.kind !== 'online')
    throw notAllowed('channel_not_allowed', 'visitors buy through online channels');
  // a partner's channel carries its prices, quota and settlement: only its signed API sells there
  if (actor.kind === 'visitor' && id.startsWith(PARTNER_CHANNEL_PREFIX))
    throw notAllowed('channel_not_allowed', `${id} sells only through its partner`);
  if (actor.kind !== 'visitor' && actor.channelId && requested && requested !== actor.channelId) {
    throw notAllowed('channel_not_allowed', `this credential sells through ${actor.channelId} only`);
  }
  if (!ch.enabled) throw conflict('channel_disabled', `sales channel ${id} is switched off`);
  return ch;
}

interface PreparedTicket {
  id: string;
  lineIndex: number;
  product: Product;
  name: string;
  idType: string;
  idNumber: string;
  idHash: string;
}

/** Checks everything that needs no stock: dates, slot, products, IDs, selling hours. */
export function prepare(
  input: PlaceOrderInput,
  area: AreaConfig,
  channel: Channel,
  now: Date,
  hashId: (n: string) => string,
) {
  const local = localParts(now, area.timezone);
  // a refused ID number names its reason as the error's code (id_checksum…) when it comes first
  const problems: (FieldIssue & { code?: CodeOf<'input'> })[] = [];
  if (input.date < local.date) problems.push({ path: 'date', message: 'is in the past' });
  if (input.date > addDays(local.date, BOOKING_HORIZON_DAYS))
    problems.push({ path: 'date', message: `is more than ${BOOKING_HORIZON_DAYS} days ahead` });
  const slot = area.slots.find((s) => s.id === input.slotId);
  if (!slot) problems.push({ path: 'slotId', message: 'no such time slot' });
  else if (input.date === local.date && slot.endsAt <= local.time)
    problems.push({ path: 'slotId', message: 'this time slot has ended' });
  if (channel.sellsFrom && local.time < channel.sellsFrom)
    problems.push({ path: 'channelId', message: `sells from ${channel.sellsFrom}` });
  if (channel.sellsUntil && local.time >= channel.sellsUntil)
    problems.push({ path: 'channelId', message: `sells until ${channel.sellsUntil}` });
  const tickets: PreparedTicket[] = [];
  input.items.forEach((item, li) => {
    const product = area.products.get(item.productId);
    if (!product) {
      problems.push({ path: `items.${li}.productId`, message: 'no such product in this area' });
      return;
    }
    item.visitors.forEach((v, vi) => {
      const check = checkIdDocument(v.idType, v.idNumber, now);
      if (!check.ok) {
        problems.push({
          path: `items.${li}.visitors.${vi}.idNumber`,
          message: `${check.reason}: ${maskIdNumber(v.idNumber)} is not a valid ${v.idType} number`,
          code: check.reason,
        });
        return;
      }
      tickets.push({
        id: uuidv7(now.getTime()),
        lineIndex: li,
        product,
        name: v.name,
        idType: v.idType,
        idNumber: check.normalised,
        idHash: hashId(check.normalised),
      });
    });
  });
  if (problems.length) {
    const first = problems[0]!;
    throw inputError(
      first.code ?? 'invalid_order',
      `${first.path}: ${first.message}`,
      problems.map(({ path, message }) => ({ path, message })),
    );
  }
  return { slot: slot!, tickets, units: tickets.reduce((s, t) => s + t.product.persons, 0) };
}

/** Spreads order-level coupon discounts over tickets so partial refunds return what was paid. */
export function ticketPrices(q: Quote, tickets: readonly PreparedTicket[]): number[] {
  const list = tickets.map((t) => q.lines[t.lineIndex]!.unitPrice);
  const discount = q.subtotal - q.total;
  if (!discount || !q.subtotal) return list;
  let left = discount;
  const out = list.map((p, i) => {
    const share = i === list.length - 1 ? left : Math.floor((discount * p) / q.subtotal);
    left -= share;
    return p - share;
  });
  return out;
}

/**
 * Hold: reserve stock in Redis, then write the order in Postgres. If the write fails
 * the reservation is released; if the process dies in between, the reconciler
 * releases the orphaned reservation after a grace period. The idempotency record is
 * completed in the same transaction as the order.
 */
export async function placeOrder(
  d: OrderDeps,
  actor: Actor,
  input: PlaceOrderInput,
  idem?: IdempotencyKey,
): Promise<OrderView & { accessToken: string }> {
  const now = d.clock.now();
  const [area, channels] = await Promise.all([d.catalog.area(input.areaId), d.catalog.channels()]);
  const channel = channelFor(actor, input.channelId, channels);
  const { slot, tickets, units } = prepare(input, area, channel, now, (n) => d.vault.lookupHash('id', n));
  const coupons = await d.catalog.coupons(area.id, input.coupons);
  if (coupons.length !== new Set(input.coupons).size) {
    throw inputError('unknown_coupon', 'a coupon code is not known for this area', [
      { path: 'coupons', message: 'unknown code' },
    ]);
  }
  const items = input.items.map((i) => ({
    productId: i.productId,
    basePrice: area.products.get(i.productId)!.basePrice,
    quantity: i.visitors.length,
  }));
  const q = quote(items, {
    channelId: channel.id,
    channelDiscountBps: channel.discountBps,
    date: input.date,
    slotStart: slot.startsAt,
    member: false,
    now,
    rules: area.rules,
    coupons,
  });

  if (input.claimId && input.holdId)
    throw inputError('invalid_order', 'use either claimId or holdId', [
      { path: 'holdId', message: 'not with claimId' },
    ]);
  const claimRes = input.claimId
    ? await usableClaim(d, input.claimId, {
        areaId: area.id,
        date: input.date,
        slotId: slot.id,
        units,
        phoneHash: input.contactPhone ? d.vault.lookupHash('phone', input.contactPhone) : null,
      })
    : input.holdId
      ? await usablePresaleHold(
          d.inventory,
          input.holdId,
          { areaId: area.id, date: input.date, slotId: slot.id, units },
          now.getTime(),
        )
      : undefined;
  const orderId = uuidv7(now.getTime());
  const resId = orderId;
  const accessToken = secretToken();
  const expiresAt = new Date(now.getTime() + d.holdTtlSeconds * 1000);
  const reserved = await d.inventory.reserve(
    {
      resId,
      areaId: area.id,
      date: input.date,
      slotId: slot.id,
      channelId: channel.id,
      channelKind: channel.kind,
      units,
      // one per ticket: a family ticket counts once, for the visitor named on it
      idHashes: tickets.map((t) => t.idHash),
      expiresAt: expiresAt.getTime(),
    },
    claimRes ? { claim: claimRes } : false,
  );
  if (!reserved.ok)
    d.onOutcome?.({
      kind: 'refused',
      areaId: area.id,
      date: input.date,
      slotId: slot.id,
      channelId: channel.id,
      tickets: tickets.length,
      amount: 0,
      reason: reserved.reason,
    });
  if (!reserved.ok)
    throw refusalError(reserved.reason, {
      level: reserved.level,
      waitlist: reserved.reason === 'slot_sold_out' || reserved.reason === 'day_sold_out',
    });
  crashPoint('order.after-reserve');

  const prices = ticketPrices(q, tickets);
  let view: OrderView | undefined;
  try {
    await d.db.transaction(async (trx) => {
      await trx('orders').insert({
        id: orderId,
        area_id: area.id,
        visit_date: input.date,
        slot_id: slot.id,
        channel_id: channel.id,
        status: 'held',
        amount_total: q.total,
        currency: 'CNY',
        contact_phone_enc: input.contactPhone ? d.vault.encrypt(input.contactPhone) : null,
        contact_phone_hash: input.contactPhone ? d.vault.lookupHash('phone', input.contactPhone) : null,
        access_token_hash: hashToken(accessToken),
        partner_order_id: input.partnerOrderId ?? null,
        res_id: resId,
        actor: actorName(actor),
        pricing: JSON.stringify(q),
        expires_at: expiresAt,
        created_at: now,
        updated_at: now,
      });
      const lineIds: number[] = [];
      for (const l of q.lines) {
        const product = area.products.get(l.productId)!;
        const [row]: { id: number }[] = await trx('order_lines')
          .insert({
            order_id: orderId,
            product_id: l.productId,
            quantity: l.quantity,
            units: l.quantity * product.persons,
            unit_price: l.unitPrice,
            amount: l.amount,
          })
          .returning('id');
        lineIds.push(row!.id);
      }
      await trx('tickets').insert(
        tickets.map((t, i) => ({
          id: t.id,
          order_id: orderId,
          order_line_id: lineIds[t.lineIndex],
          product_id: t.product.id,
          area_id: area.id,
          visit_date: input.date,
          slot_id: slot.id,
          units: t.product.persons,
          price: prices[i],
          status: 'pending',
          entries_allowed: t.product.entriesAllowed,
          visitor_name_enc: d.vault.encrypt(t.name),
          id_type: t.idType,
          id_number_enc: d.vault.encrypt(t.idNumber),
          id_hash: t.idHash,
          id_masked: maskIdNumber(t.idNumber),
        })),
      );
      for (const c of coupons) {
        const n = await trx('coupons')
          .where({ code: c.code })
          .andWhere((w) => void w.whereNull('max_uses').orWhereRaw('used < max_uses'))
          .increment('used', 1);
        if (n !== 1)
          throw inputError('coupon_used_up', `coupon ${c.code} has been used up`, [
            { path: 'coupons', message: 'coupon_used_up' },
          ]);
      }
      if (input.claimId)
        await trx('waitlist')
          .where({ id: Number(input.claimId) })
          .update({ state: 'claimed' });
      await outbox(trx, 'order.held', orderId, {
        areaId: area.id,
        date: input.date,
        slotId: slot.id,
        channelId: channel.id,
        units,
        amount: q.total,
      });
      await audit(trx, actor, 'scenic.order.held', orderId, { units, amount: q.total, channel: channel.id });
      // read back once, inside the transaction: the idempotent answer and the caller's
      view = await viewOrder(trx, d.vault, orderId);
      if (idem) await completeInTransaction(trx, idem, { status: 201, body: { ...view, accessToken } });
    });
  } catch (e) {
    // Give the stock back only when the order is certainly not in the books: a connection
    // lost while COMMIT was answered can hide a commit that happened, and releasing then
    // would let the seat sell twice (docs/adr/0008). When unsure, the reconciler decides.
    const absent = await d
      .db('orders')
      .where({ id: orderId })
      .first('id')
      .then(
        (r: unknown) => r === undefined,
        () => false,
      );
    if (absent)
      await d.inventory
        .release(area.id, input.date, resId, 'all')
        .catch((re: unknown) =>
          d.log.error(
            { err: re, orderId },
            'could not release hold after failed order write; the reconciler will',
          ),
        );
    else
      d.log.warn(
        { err: e, orderId },
        'order write failed and its commit is uncertain; the hold stays for the reconciler',
      );
    if (isUniqueViolation(e, UNIQUE_CONSTRAINTS.partnerOrderId))
      throw conflict('duplicate_partner_order', 'this partner order id already exists');
    throw e;
  }
  crashPoint('order.after-commit');
  d.onOutcome?.({
    kind: 'held',
    areaId: area.id,
    date: input.date,
    slotId: slot.id,
    channelId: channel.id,
    tickets: tickets.length,
    amount: q.total,
  });
  if (d.onHoldPlaced)
    await d
      .onHoldPlaced(orderId, expiresAt)
      .catch((e: unknown) =>
        d.log.warn({ err: e, orderId }, 'could not schedule hold expiry; the sweeper will'),
      );
  return { ...view!, accessToken };
}
