import { inputError } from '../errors.js';
import type { Coupon, PriceRule } from './rules.js';
import type { CouponProblem } from './errors.js';
import { dynamicStep, type DynamicBounds } from './dynamic.js';

/**
 * The one place prices are computed. Precedence, per unit, in this order:
 *   0. dynamic (crowd-forecast) price of the product, when enabled: base × the slot's
 *      factor within the product's floor and ceiling (`dynamic.ts`);
 *   1. base: the channel's own price for the product if it has one, else the product's
 *      base price less the channel's discount;
 *   2. calendar adjustment (peak or off-peak day), multiplicative;
 *   3. entry-time price: early-bird (slot starts before `before`) or night (slot starts
 *      at or after `after`); if both match, the cheaper one;
 *   4. presale price (bought before `until`);
 *   5. member price;
 * then per order: coupons — one unless every coupon used is stackable; percentage
 * coupons before amount coupons; never below zero, never below `minAmount` rules.
 * Every step is recorded in the breakdown so a receipt can explain the price.
 * Money is integer minor units; each percentage step rounds half up to a minor unit.
 */
export interface PriceItem {
  productId: string;
  basePrice: number;
  quantity: number;
  /** the product's dynamic-pricing bounds (absent or disabled: static price) */
  dynamic?: DynamicBounds | null;
}

export interface PriceContext {
  channelId: string;
  channelDiscountBps: number;
  /** YYYY-MM-DD of the visit */
  date: string;
  /** local HH:MM when the slot starts */
  slotStart: string;
  member: boolean;
  now: Date;
  rules: readonly PriceRule[];
  coupons: readonly Coupon[];
  /** the slot's crowd-forecast price factor in bps (absent: none set) */
  factorBps?: number;
}

export interface PriceStep {
  rule: string;
  label: string;
  unitPrice: number;
}

export interface PricedLine {
  productId: string;
  quantity: number;
  unitPrice: number;
  amount: number;
  steps: PriceStep[];
}

export interface Quote {
  lines: PricedLine[];
  subtotal: number;
  coupons: { code: string; discount: number }[];
  total: number;
}

export const applyBps = (amount: number, bps: number) => Math.floor((amount * bps + 5000) / 10000);

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function calendarMatches(
  p: { dates?: string[]; weekdays?: number[]; from?: string; to?: string },
  date: string,
): boolean {
  if (p.from && date < p.from) return false;
  if (p.to && date > p.to) return false;
  if (p.dates?.length && !p.dates.includes(date)) return false;
  if (p.weekdays?.length && !p.weekdays.includes(weekday(date))) return false;
  return true;
}

function priceLine(item: PriceItem, ctx: PriceContext): PricedLine {
  const applies = (r: PriceRule) => r.productId === null || r.productId === item.productId;
  const rules = ctx.rules.filter(applies);
  const steps: PriceStep[] = [];
  let unit = item.basePrice;
  steps.push({ rule: 'base', label: 'base price', unitPrice: unit });
  const dynamic = dynamicStep(unit, item.dynamic, ctx.factorBps);
  if (dynamic) {
    unit = dynamic.unitPrice;
    steps.push(dynamic);
  }

  const own = rules.find((r) => r.kind === 'channel' && r.params.channelId === ctx.channelId);
  if (own?.kind === 'channel' && own.params.price !== undefined) {
    unit = own.params.price;
    steps.push({ rule: 'channel', label: `${ctx.channelId} price`, unitPrice: unit });
  } else if (own?.kind === 'channel' && own.params.bps !== undefined) {
    unit = applyBps(unit, own.params.bps);
    steps.push({ rule: 'channel', label: `${ctx.channelId} price`, unitPrice: unit });
  } else if (ctx.channelDiscountBps > 0) {
    unit = applyBps(unit, 10000 - ctx.channelDiscountBps);
    steps.push({ rule: 'channel', label: `${ctx.channelId} discount`, unitPrice: unit });
  }

  for (const r of rules) {
    if (r.kind === 'calendar' && calendarMatches(r.params, ctx.date)) {
      unit = applyBps(unit, r.params.bps);
      steps.push({ rule: 'calendar', label: r.params.label, unitPrice: unit });
    }
  }

  let entry: PriceStep | undefined;
  for (const r of rules) {
    let candidate: PriceStep | undefined;
    if (r.kind === 'early_bird' && ctx.slotStart < r.params.before) {
      candidate = {
        rule: 'early_bird',
        label: `entry before ${r.params.before}`,
        unitPrice: applyBps(unit, r.params.bps),
      };
    } else if (r.kind === 'night' && ctx.slotStart >= r.params.after) {
      candidate = {
        rule: 'night',
        label: `entry from ${r.params.after}`,
        unitPrice: applyBps(unit, r.params.bps),
      };
    }
    if (candidate && (!entry || candidate.unitPrice < entry.unitPrice)) entry = candidate;
  }
  if (entry) {
    unit = entry.unitPrice;
    steps.push(entry);
  }

  const presale = rules.find(
    (r) => r.kind === 'presale' && ctx.now.getTime() < new Date(r.params.until).getTime(),
  );
  if (presale?.kind === 'presale') {
    unit = applyBps(unit, presale.params.bps);
    steps.push({ rule: 'presale', label: 'presale price', unitPrice: unit });
  }
  const member = ctx.member ? rules.find((r) => r.kind === 'member') : undefined;
  if (member?.kind === 'member') {
    unit = applyBps(unit, member.params.bps);
    steps.push({ rule: 'member', label: 'member price', unitPrice: unit });
  }
  return {
    productId: item.productId,
    quantity: item.quantity,
    unitPrice: unit,
    amount: unit * item.quantity,
    steps,
  };
}

/** Why a coupon cannot be used, or undefined when it can. */
export function couponProblem(c: Coupon, now: Date, subtotal: number): CouponProblem | undefined {
  if (c.validFrom && now < c.validFrom) return 'coupon_not_yet_valid';
  if (c.validUntil && now > c.validUntil) return 'coupon_expired';
  if (c.maxUses !== null && c.used >= c.maxUses) return 'coupon_used_up';
  if (subtotal < c.minAmount) return 'coupon_min_amount';
  return undefined;
}

export function quote(items: readonly PriceItem[], ctx: PriceContext): Quote {
  const lines = items.map((i) => priceLine(i, ctx));
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  if (ctx.coupons.length > 1 && !ctx.coupons.every((c) => c.stackable)) {
    throw inputError('coupon_not_stackable', 'only one coupon per order unless every coupon is stackable', [
      { path: 'coupons', message: 'these coupons cannot be combined' },
    ]);
  }
  const ordered = [...ctx.coupons].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'percent' ? -1 : 1));
  let total = subtotal;
  const applied: Quote['coupons'] = [];
  for (const c of ordered) {
    const problem = couponProblem(c, ctx.now, subtotal);
    if (problem)
      throw inputError(problem, `coupon ${c.code} cannot be used: ${problem.replace(/_/g, ' ')}`, [
        { path: 'coupons', message: problem },
      ]);
    const discount = Math.min(total, c.kind === 'percent' ? applyBps(total, c.value) : c.value);
    total -= discount;
    applied.push({ code: c.code, discount });
  }
  return { lines, subtotal, coupons: applied, total };
}
