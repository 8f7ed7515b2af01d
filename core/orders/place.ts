import { PARTNER_CHANNEL_PREFIX } from '../catalog/definition.js';
import { conflict, inputError, isDomainError, notAllowed, type CodeOf, type FieldIssue } from '../errors.js';
import { checkIdDocument } from '../pii/id-number.js';
import { maskIdNumber, maskName, maskPhone } from '../pii/mask.js';
import { groupIssue, partyJson, unitPriceOf } from '../groups/place.js';
import { maskParty, type GroupParty } from '../groups/model.js';
import { quote, type Quote } from '../pricing/price.js';
import { uuidv7, secretToken } from '../ids.js';
import { saleWindowIssues } from './sale-window.js';
import { concessionRefusal } from './concessions.js';
import {
  checkOrderSize,
  holdBudget,
  returnHoldBudget,
  reserveWithinBudget,
  type ClientOrigin,
  type HoldBudget,
} from './hold-caps.js';
import { answerWrite, fenceKey, keyLost, KEY_GUARD, type IdempotencyKey } from '../idempotency.js';
import { crashPoint } from '../faults.js';
import { withoutChildSpans } from '../telemetry/trace.js';
import { isGuardRefusal, isServerRefusal, isUniqueViolation, UNIQUE_CONSTRAINTS } from '../db/errors.js';
import { usableClaim } from './waitlist.js';
import { usablePresaleHold } from '../presale/holds.js';
import { refusalError } from '../inventory/errors.js';
import type { AreaConfig, Channel, Product, Slot } from '../catalog/catalog.js';
import type { Coupon } from '../pricing/rules.js';
import type { Knex } from 'knex';
import type { PlaceOrderInput } from './inputs.js';
import { hashToken, orderAccessToken } from './access.js';
import { actorName, type Actor, type OrderView } from './model.js';
import { orderExists, orderViewOf, type OrderDeps, type ViewedOrder } from './store.js';
import { auditInsert } from '../audit/store.js';
import { outboxInsert } from '../outbox/store.js';
import { Insert, SqlFragment, withWrites } from '../db/one-statement.js';
import { commitOrThrow } from '../db/commit.js';
import { slotFactors } from '../forecast/factors.js';
import {
  planCombo,
  releaseComboSeats,
  takeComboSeats,
  writeComboBookings,
  type ComboPlan,
} from '../combos/place.js';
import { needsPassRows, recordPassTickets, type PassLink } from '../passes/store.js';
import { bookMemberOrder, memberBuyer, spendPoints, type MemberPlacement } from '../members/pricing.js';
import { applyMemberCoupon, redeemMemberCoupon, type MemberCouponUse } from '../campaigns/coupons.js';

export { BOOKING_HORIZON_DAYS } from './sale-window.js';

/** The sales channel an actor sells through; visitors may choose among online ones. */
export function channelFor(
  actor: Actor,
  requested: string | undefined,
  channels: Map<string, Channel>,
): Channel {
  // staff sell through their credential's channel only: one without a channel sells nothing
  // (it used to fall back to any requested channel, OTA channels and the on-site reserve included)
  if (actor.kind === 'staff' && !actor.channelId)
    throw notAllowed('channel_required', 'this credential has no sales channel, so it cannot sell');
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
  if (actor.kind === 'staff' && (ch.kind !== 'onsite' || id.startsWith(PARTNER_CHANNEL_PREFIX)))
    throw notAllowed('channel_not_allowed', `staff sell through on-site channels; ${id} is not one`);
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
  /** persons it admits and takes capacity for: the product's, or a group's size */
  units: number;
  /** visitors of its line it stands for (its price is that many unit prices): 1, or a group's size */
  seats: number;
  /** a group ticket's party (core/groups): every member's ID hash counts against the ID limit */
  group?: { party: GroupParty; idHashes: string[] };
}

/** Checks everything that needs no stock: dates, slot, products, IDs, concession age bands, selling hours. */
export function prepare(
  input: PlaceOrderInput,
  area: AreaConfig,
  channel: Channel,
  now: Date,
  hashId: (n: string) => string,
) {
  // a refused ID number names its reason as the error's code (id_checksum…) when it comes first
  const problems: (FieldIssue & { code?: CodeOf<'input'> })[] = saleWindowIssues(input, area, channel, now);
  const slot = area.slots.find((s) => s.id === input.slotId);
  const tickets: PreparedTicket[] = [];
  input.items.forEach((item, li) => {
    const product = area.products.get(item.productId);
    if (!product) {
      problems.push({ path: `items.${li}.productId`, message: 'no such product in this area' });
      return;
    }
    const groupProblem = groupIssue(product, item, li);
    if (groupProblem) {
      problems.push(groupProblem);
      return;
    }
    const members: PreparedTicket[] = [];
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
      const refused = concessionRefusal(product, { ...v, ...check, idNumber: check.normalised }, input.date);
      if (refused) {
        problems.push({
          path: `items.${li}.visitors.${vi}`,
          message: refused,
          code: 'concession_not_eligible',
        });
        return;
      }
      members.push({
        id: uuidv7(now.getTime()),
        lineIndex: li,
        product,
        name: v.name,
        idType: v.idType,
        idNumber: check.normalised,
        idHash: hashId(check.normalised),
        units: product.persons,
        seats: 1,
      });
    });
    // a group (core/groups): one ticket for the party, held in the first member's name and ID
    if (product.group && item.leader && members.length === item.visitors.length)
      tickets.push({
        ...members[0]!,
        units: members.length,
        seats: members.length,
        group: {
          party: {
            leader: item.leader,
            members: members.map((m) => ({ name: m.name, idType: m.idType, idNumber: m.idNumber })),
          },
          idHashes: members.map((m) => m.idHash),
        },
      });
    else tickets.push(...members);
  });
  if (problems.length) {
    const first = problems[0]!;
    throw inputError(
      first.code ?? 'invalid_order',
      `${first.path}: ${first.message}`,
      problems.map(({ path, message }) => ({ path, message })),
    );
  }
  return { slot: slot!, tickets, units: tickets.reduce((s, t) => s + t.units, 0) };
}

/** Spreads order-level coupon discounts over tickets so partial refunds return what was paid. */
export function ticketPrices(q: Quote, tickets: readonly PreparedTicket[]): number[] {
  const list = tickets.map((t) => q.lines[t.lineIndex]!.unitPrice * t.seats);
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

/** Everything an order being placed is made of, once it is checked and priced. */
interface Placement {
  actor: Actor;
  input: PlaceOrderInput;
  area: AreaConfig;
  channel: Channel;
  slot: Slot;
  tickets: PreparedTicket[];
  units: number;
  q: Quote;
  coupons: Coupon[];
  orderId: string;
  /** the inventory reservation the order's stock lives under */
  resId: string;
  accessToken: string;
  expiresAt: Date;
  now: Date;
  /** the seats its combo tickets take on their components (core/combos) */
  combo: ComboPlan;
  /** a pass's free slot booking or renewal (core/passes), placed by that module only */
  pass?: PassLink;
  /** issue 22: the member the order is for and the points it spends (core/members) */
  member?: MemberPlacement;
  /** issue 22: the member-bound coupon it redeems (core/campaigns) */
  memberCoupon?: MemberCouponUse;
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
  origin: ClientOrigin = {},
  pass?: PassLink,
): Promise<OrderView & { accessToken: string }> {
  // the request's span times the order; a span per statement cost more than it told
  const { view, expiresAt } = await withoutChildSpans(() => placeHeld(d, actor, input, idem, origin, pass));
  // the answer does not wait for the job (and the job keeps the request's trace): the
  // sweeper expires a hold whose job was lost
  void scheduleHoldExpiry(d, view.id, expiresAt);
  return view;
}

async function placeHeld(
  d: OrderDeps,
  actor: Actor,
  input: PlaceOrderInput,
  idem: IdempotencyKey | undefined,
  origin: ClientOrigin,
  pass: PassLink | undefined,
): Promise<{ view: OrderView & { accessToken: string }; expiresAt: Date }> {
  const now = d.clock.now();
  const [area, channels] = await Promise.all([d.catalog.area(input.areaId), d.catalog.channels()]);
  const channel = channelFor(actor, input.channelId, channels);
  const { slot, tickets, units } = prepare(input, area, channel, now, (n) => d.vault.lookupHash('id', n));
  const budget =
    d.holdCaps &&
    holdBudget(actor, origin, d.holdCaps.policy, { areaId: area.id, date: input.date }, (k, v) =>
      d.vault.lookupHash(k, v),
    );
  checkOrderSize(budget, units);
  const { q, coupons, member, memberCoupon } = await priced(
    d,
    actor,
    input,
    area,
    channel,
    slot,
    now,
    pass?.kind === 'booking',
  );
  const combo = await planCombo(d.db, area.id, input.sessions, tickets);
  const claim = await stockSource(d, input, area, slot, units, now);
  const orderId = uuidv7(now.getTime());
  const p: Placement = {
    actor,
    input,
    area,
    channel,
    slot,
    tickets,
    units,
    q,
    coupons,
    orderId,
    now,
    combo,
    pass,
    member,
    memberCoupon,
    resId: orderId,
    accessToken: idem?.secret ? orderAccessToken(d.vault, idem.secret, orderId) : secretToken(),
    // anonymous holds are shorter: stock nobody pays for comes back sooner
    expiresAt: new Date(now.getTime() + Math.min(d.holdTtlSeconds, budget?.holdSeconds ?? Infinity) * 1000),
  };
  // the checks above only read: the idempotency key is claimed now — committed on its own
  // when the order is one statement that commits by itself, else in the order's transaction
  const alone = isOneStatement(p);
  if (alone && idem?.claimAlone) await idem.claimAlone();
  const keyTrx = !alone && idem?.claim ? await idem.claim() : undefined;
  // with the key's transaction open, the budget reads through it: a second connection per
  // order could drain the pool with every order waiting for one
  await reserveStock(keyTrx ? { ...d, db: keyTrx } : d, p, claim, budget);
  crashPoint('order.after-reserve');
  let view: OrderView | undefined;
  const write = async (trx: Knex.Transaction) => {
    // the answer is made of what is written (defaults included): no read-back
    view = await writeHeld(trx, d, p, idem);
  };
  try {
    if (keyTrx) await writeInKeyTransaction(keyTrx, p, write);
    // one statement is its own transaction: no BEGIN and COMMIT round trips
    else if (alone) view = await writeOrder(d.db, d, p, idem);
    else await d.db.transaction(write);
  } catch (e) {
    if (await outcomeKnowable(d, alone, idem, e)) {
      await releaseUnlessWritten(d, p, e);
      if (budget) await returnBudgetUnlessWritten(d, budget, p);
    } else
      d.log.warn(
        { err: e, orderId: p.orderId },
        "order statement's fate is unknown; the hold stays for the reconciler",
      );
    if (isUniqueViolation(e, UNIQUE_CONSTRAINTS.partnerOrderId))
      throw conflict('duplicate_partner_order', 'this partner order id already exists');
    throw e;
  }
  crashPoint('order.after-commit');
  d.onOutcome?.({ kind: 'held', ...outcomeOf(p), amount: q.total });
  return { view: { ...view!, accessToken: p.accessToken }, expiresAt: p.expiresAt };
}

/**
 * Whether the books can tell if a failed order write happened. A transaction can: only its
 * COMMIT commits (releaseUnlessWritten minds that one). A statement that commits by itself
 * may still be running after its connection was lost: only Postgres's own refusal proves
 * it undone, else its key is taken from it first (`fenceKey`), and without a key it cannot
 * be stopped, so the reconciler decides.
 */
async function outcomeKnowable(
  d: OrderDeps,
  alone: boolean,
  idem: IdempotencyKey | undefined,
  e: unknown,
): Promise<boolean> {
  if (!alone || isServerRefusal(e) || isDomainError(e)) return true;
  if (!idem?.lease) return false;
  return fenceKey(d.db, idem).then(
    () => true,
    () => false,
  );
}

/**
 * Whether the held order is written by nothing but the one statement of `writeOrder`: no
 * coupon to count, waiting-list claim to mark, member, pass or combo rows to add (the
 * orders that have them write them in a transaction with it).
 */
const isOneStatement = (p: Placement): boolean =>
  !p.coupons.length &&
  !p.input.claimId &&
  !p.member &&
  !p.memberCoupon &&
  !p.combo.seats.length &&
  !needsPassRows(p.tickets, p.pass);

/**
 * Writes the order in the transaction that claimed its idempotency key and commits it.
 * Writes that can be refused after writing (a coupon used up, a partner order id taken)
 * go in a savepoint: the refusal undoes them and leaves the transaction open, for the
 * refusal to be stored as the key's answer (core/idempotency.ts). Anything else rolls
 * the whole transaction back, the key with it.
 */
async function writeInKeyTransaction(
  trx: Knex.Transaction,
  p: Placement,
  write: (trx: Knex.Transaction) => Promise<void>,
): Promise<void> {
  if (p.coupons.length || p.memberCoupon || p.input.partnerOrderId) await trx.transaction(write);
  else
    try {
      await write(trx);
    } catch (e) {
      await trx.rollback();
      throw e;
    }
  await commitOrThrow(trx);
}

/**
 * Asks for the hold's expiry job; a failure only logs, since the sweeper expires it anyway.
 * Never rejects, so callers may leave it running after the answer.
 */
export async function scheduleHoldExpiry(d: OrderDeps, orderId: string, expiresAt: Date): Promise<void> {
  if (!d.onHoldPlaced) return;
  await d
    .onHoldPlaced(orderId, expiresAt)
    .catch((e: unknown) =>
      d.log.warn({ err: e, orderId }, 'could not schedule hold expiry; the sweeper will'),
    );
}

/** The catalog ids and ticket count of an order outcome (metrics). */
const outcomeOf = (p: Placement) => ({
  areaId: p.area.id,
  date: p.input.date,
  slotId: p.slot.id,
  channelId: p.channel.id,
  tickets: p.tickets.length,
});

/** The quote of an order, with the coupons it names (every one must exist in the area). */
async function priced(
  d: OrderDeps,
  actor: Actor,
  input: PlaceOrderInput,
  area: AreaConfig,
  channel: Channel,
  slot: Slot,
  now: Date,
  /** a pass holder's slot booking costs nothing (core/passes) */
  free = false,
): Promise<{ q: Quote; coupons: Coupon[]; member?: MemberPlacement; memberCoupon?: MemberCouponUse }> {
  const buyer = await memberBuyer(d.db, actor, input);
  const coupons = await d.catalog.coupons(area.id, input.coupons);
  if (coupons.length !== new Set(input.coupons).size) {
    throw inputError('unknown_coupon', 'a coupon code is not known for this area', [
      { path: 'coupons', message: 'unknown code' },
    ]);
  }
  const items = input.items.map((i) => ({
    productId: i.productId,
    // a group's price per person is its tier by party size (core/groups)
    basePrice: free ? 0 : unitPriceOf(area.products.get(i.productId)!, i.visitors.length),
    quantity: i.visitors.length,
    dynamic: free ? null : area.products.get(i.productId)!.dynamicPricing,
  }));
  // issue 22: the slot's crowd factor, read only when a product moves with it; the quote is stored with the hold
  const factorBps = items.some((i) => i.dynamic?.enabled)
    ? (await slotFactors(d.db, area.id, input.date)).get(slot.id)
    : undefined;
  const q = quote(items, {
    factorBps,
    channelId: channel.id,
    channelDiscountBps: channel.discountBps,
    date: input.date,
    slotStart: slot.startsAt,
    member: buyer?.isMember ?? false,
    now,
    rules: area.rules,
    coupons,
  });
  // issue 22: a member coupon, then points, off the total here, so the order, its payment and the ledger agree
  const mc = await applyMemberCoupon(d.db, area.id, q, buyer, input.memberCoupon, now);
  return { ...(await spendPoints(d.db, area.id, mc.q, buyer, input.points)), coupons, memberCoupon: mc.use };
}

/**
 * Stock already set aside for this order, if it names some: a waiting-list claim or a
 * presale hold (its reservation id, which the reserve takes over), never both.
 */
async function stockSource(
  d: OrderDeps,
  input: PlaceOrderInput,
  area: AreaConfig,
  slot: Slot,
  units: number,
  now: Date,
): Promise<string | undefined> {
  if (input.claimId && input.holdId)
    throw inputError('invalid_order', 'use either claimId or holdId', [
      { path: 'holdId', message: 'not with claimId' },
    ]);
  if (input.claimId)
    return usableClaim(d, input.claimId, {
      areaId: area.id,
      date: input.date,
      slotId: slot.id,
      units,
      phoneHash: input.contactPhone ? d.vault.lookupHash('phone', input.contactPhone) : null,
    });
  if (input.holdId)
    return usablePresaleHold(
      d.inventory,
      input.holdId,
      { areaId: area.id, date: input.date, slotId: slot.id, units },
      now.getTime(),
    );
  return undefined;
}

/**
 * Takes the stock (every rule of the day, the slot, the channel and the ID limit) and the
 * caller's held-units budget (when it has one) in one step, then a combo's components;
 * or refuses. A refusal after the budget was taken (the components) gives it back.
 */
async function reserveStock(
  d: OrderDeps,
  p: Placement,
  claim: string | undefined,
  budget: HoldBudget | undefined,
): Promise<void> {
  const reserved = await reserveWithinBudget(
    d.inventory,
    {
      resId: p.resId,
      areaId: p.area.id,
      date: p.input.date,
      slotId: p.slot.id,
      channelId: p.channel.id,
      channelKind: p.channel.kind,
      units: p.units,
      // one per ticket: a family ticket counts once, for the visitor named on it
      idHashes: p.tickets.flatMap((t) => t.group?.idHashes ?? [t.idHash]),
      expiresAt: p.expiresAt.getTime(),
    },
    claim ? { claim } : false,
    budget && { budget, redis: d.holdCaps!.redis, db: d.db },
  );
  if (!reserved.ok) {
    d.onOutcome?.({ kind: 'refused', ...outcomeOf(p), amount: 0, reason: reserved.reason });
    throw refusalError(reserved.reason, {
      level: reserved.level,
      waitlist: reserved.reason === 'slot_sold_out' || reserved.reason === 'day_sold_out',
    });
  }
  // a combo's components next, all or none with the entry (core/combos)
  try {
    await takeComboSeats(seatScope(d, p), p.combo, () =>
      d.inventory.release(p.area.id, p.input.date, p.resId, 'all'),
    );
  } catch (e) {
    if (budget) await returnHoldBudget(d.holdCaps!.redis, budget, p.resId, p.units);
    throw e;
  }
}

/**
 * Books the held order in its transaction: coupons and a waiting-list claim before the
 * order's statement (`writeOrder`), the rows that point at its tickets (members, passes,
 * combos) after it; other orders send none of them, and are written by `writeOrder` alone.
 */
async function writeHeld(
  trx: Knex.Transaction,
  d: OrderDeps,
  p: Placement,
  idem: IdempotencyKey | undefined,
): Promise<OrderView> {
  const { input, area, orderId, now } = p;
  for (const c of p.coupons) {
    const n = await trx('coupons')
      .where({ area_id: p.area.id, code: c.code })
      .andWhere((w) => void w.whereNull('max_uses').orWhereRaw('used < max_uses'))
      .increment('used', 1);
    if (n !== 1)
      throw inputError('coupon_used_up', `coupon ${c.code} has been used up`, [
        { path: 'coupons', message: 'coupon_used_up' },
      ]);
  }
  if (input.claimId) await trx('waitlist').where({ public_id: input.claimId }).update({ state: 'claimed' });
  const view = await writeOrder(trx, d, p, idem);
  if (p.member) await bookMemberOrder(trx, orderId, area.id, p.member, now);
  if (p.memberCoupon) await redeemMemberCoupon(trx, area.id, orderId, p.memberCoupon, now);
  // annual passes (core/passes): a pass ticket becomes a pass; a booking or renewal links to its pass
  await recordPassTickets(trx, { orderId, areaId: area.id, date: input.date, now }, p.tickets, p.pass);
  // a combo's seats, one row per ticket and component (core/combos; no statement for other orders)
  await writeComboBookings(trx, p.combo, { orderId, areaId: area.id, date: input.date, now });
  return view;
}

/**
 * The order, its lines, tickets, event, audit and the key's answer as ONE statement
 * (issue 19: a round trip per row was most of an order's time), so the answer is made
 * from what is written, not read back; with a key, the statement writes nothing unless
 * the run still owns it (`KEY_GUARD`). `db` is the order's transaction, or the pool for
 * an order that is nothing else (`isOneStatement`): the statement then commits by itself.
 */
async function writeOrder(
  db: Knex,
  d: OrderDeps,
  p: Placement,
  idem: IdempotencyKey | undefined,
): Promise<OrderView> {
  const { input, area, channel, slot, q, orderId, now } = p;
  // a group's purchase SMS goes to its leader unless the order names another contact
  const phone = input.contactPhone ?? p.tickets.find((t) => t.group)?.group!.party.leader.phone ?? null;
  const rows = heldRows(db, d, p);
  const view = orderViewOf(
    rows.order,
    rows.lines.map((l) => l.shown),
    rows.tickets.map((t) => t.shown),
    { phone, names: rows.tickets.map((t) => t.name) },
  );
  const { units } = p;
  const audit = auditInsert(p.actor, 'scenic.order.held', orderId, {
    units,
    amount: q.total,
    channel: channel.id,
  });
  const writes: Insert[] = [
    new Insert('orders', [
      {
        ...rows.order,
        pricing: JSON.stringify(q),
        contact_phone_enc: phone ? d.vault.encrypt(phone) : null,
        contact_phone_hash: phone ? d.vault.lookupHash('phone', phone) : null,
        access_token_hash: hashToken(p.accessToken),
        res_id: p.resId,
        actor: actorName(p.actor),
        updated_at: now,
      },
    ]),
    new Insert(
      'order_lines',
      rows.lines.map((l) => l.written),
    ),
    new Insert(
      'tickets',
      rows.tickets.map((t) => t.written),
    ),
    outboxInsert('order.held', orderId, {
      areaId: area.id,
      date: input.date,
      slotId: slot.id,
      channelId: channel.id,
      units,
      amount: q.total,
    }),
    ...(idem ? [audit] : []),
  ];
  // the stored answer holds no bearer token: a replay derives it again from the secret;
  // without a key, the audit row ends the statement (its returned id is not used)
  const last = idem
    ? answerWrite(db, idem, { status: 201, body: view })
    : new Insert(audit.table, audit.rows, 'id');
  const lineIds = {
    name: 'line_ids',
    query: db.raw("select nextval('order_lines_id_seq') as id, i from generate_series(0, ?) as i", [
      rows.lines.length - 1,
    ]),
  };
  try {
    await withWrites(db, writes, last, [lineIds], {
      guard: idem ? KEY_GUARD : undefined,
      prepared: p.tickets.length <= PREPARED_TICKETS,
    });
  } catch (e) {
    throw isGuardRefusal(e) ? keyLost() : e;
  }
  return view;
}

/**
 * Orders of up to this many tickets send a statement prepared once per connection: one
 * text per count of lines and tickets, with a key or without; larger orders are rare and
 * sent as is.
 */
const PREPARED_TICKETS = 6;

const MASKS = { name: maskName, phone: maskPhone, id: maskIdNumber };

/** The id the statement drew for the order's line `i` (withWrites' `line_ids`). */
const lineId = (i: number) => new SqlFragment('(select id from line_ids where i = ?)', [i]);

/**
 * What a held order is written as: the columns its view shows, as a read-back would give
 * them (lines in quote order, tickets in id order, defaults filled in), and for each line
 * and ticket the row to insert (sealed personal data, the line's id from `line_ids`);
 * each ticket's visitor name in clear, for the view.
 */
function heldRows(db: Knex, d: OrderDeps, p: Placement) {
  const order: ViewedOrder = {
    id: p.orderId,
    status: 'held',
    area_id: p.area.id,
    visit_date: p.input.date,
    slot_id: p.slot.id,
    channel_id: p.channel.id,
    currency: 'CNY',
    amount_total: p.q.total,
    amount_refunded: 0,
    expires_at: p.expiresAt,
    paid_at: null,
    partner_order_id: p.input.partnerOrderId ?? null,
    pricing: p.q,
    created_at: p.now,
  };
  const lines = p.q.lines.map((l, i) => {
    const shown = {
      product_id: l.productId,
      quantity: l.quantity,
      unit_price: l.unitPrice,
      amount: l.amount,
    };
    const units = l.quantity * p.area.products.get(l.productId)!.persons;
    return {
      shown,
      written: { ...shown, id: lineId(i), order_id: p.orderId, area_id: p.area.id, units },
    };
  });
  const prices = ticketPrices(p.q, p.tickets);
  const tickets = p.tickets.map((t, i) => {
    const group = t.group ? maskParty(t.group.party, MASKS) : null;
    const shown = {
      id: t.id,
      product_id: t.product.id,
      area_id: p.area.id,
      price: prices[i]!,
      status: 'pending' as const,
      // a group's entries are its persons: the gate admits n of them per scan (core/groups)
      entries_allowed: t.group ? t.units : t.product.entriesAllowed,
      id_type: t.idType,
      id_masked: maskIdNumber(t.idNumber),
    };
    const written = {
      ...shown,
      order_id: p.orderId,
      order_line_id: lineId(t.lineIndex),
      visit_date: p.input.date,
      slot_id: p.slot.id,
      units: t.units,
      id_hash: t.idHash,
      visitor_name_enc: d.vault.encrypt(t.name),
      id_number_enc: d.vault.encrypt(t.idNumber),
      // a group's party: sealed in full, and masked for the gate and the order view (null
      // columns for other tickets keep one statement text per count of lines and tickets)
      group_enc: t.group ? d.vault.encrypt(partyJson(t.group.party)) : null,
      group_masked: group ? JSON.stringify(group) : null,
    };
    return { name: t.name, shown: { ...shown, entries_used: 0, code: null, group_masked: group }, written };
  });
  // uuid order is byte order, which lowercase hex strings keep
  tickets.sort((a, b) => (a.shown.id < b.shown.id ? -1 : a.shown.id > b.shown.id ? 1 : 0));
  return { order, lines, tickets };
}

const seatScope = (d: OrderDeps, p: Placement) => ({
  redis: d.inventory.redis,
  areaId: p.area.id,
  date: p.input.date,
  resId: p.resId,
  nowMs: p.now.getTime(),
});

/** After a failed write, the budget too is given back only when the order is certainly not in the books. */
async function returnBudgetUnlessWritten(d: OrderDeps, budget: HoldBudget, p: Placement): Promise<void> {
  try {
    if ((await orderExists(d.db, p.orderId)) === false)
      await returnHoldBudget(d.holdCaps!.redis, budget, p.resId, p.units);
  } catch {
    // the hold's expiry gives it back
  }
}

/**
 * After a failed write: give the stock back only when the order is certainly not in the
 * books. A connection lost while COMMIT was answered can hide a commit that happened, and
 * releasing then would let the seat sell twice (docs/adr/0008). When unsure, the
 * reconciler decides.
 */
async function releaseUnlessWritten(d: OrderDeps, p: Placement, e: unknown): Promise<void> {
  const { orderId } = p;
  if ((await orderExists(d.db, orderId)) === false)
    await Promise.all([
      d.inventory.release(p.area.id, p.input.date, p.resId, 'all'),
      releaseComboSeats(seatScope(d, p), p.combo),
    ]).catch((re: unknown) =>
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
}
