import { cutoffHours } from '../policies/decide.js';
import { viewPolicy } from '../policies/describe.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AreaConfig, Channel, Product } from '../catalog/catalog.js';
import type { DayAvailability } from '../inventory/availability.js';
import type { OrderView } from '../orders/model.js';
import { inputError, notFound, type DomainError } from '../errors.js';
import { applyBps } from '../pricing/price.js';
import { addDays, localDateTime } from '../time.js';
import type { PartnerOrderInput } from './partner-orders.js';

/**
 * OCTO (octo.travel, v1) shapes over Scenic's model. The mapping, pure:
 *
 * - an OCTO **product** is a scenic area (`id` = area id), with one **option** `DEFAULT`;
 * - its **units** are the area's products (adult, child, family…; `type` from the kind);
 * - an **availability** is a time slot of a date, `id` = its local start
 *   (`2026-05-01T09:00:00+08:00`), availabilityType START_TIME;
 * - a **booking** is an order: `uuid` (the reseller's) is the partner order id, `id` is
 *   Scenic's order id; reserve = hold (ON_HOLD), confirm = pay on account (CONFIRMED),
 *   cancel = cancel the hold or refund every unused ticket (CANCELLED);
 * - real name: China requires an ID document per visitor, so each unit item carries
 *   `contact.fullName` and the extension `identityDocument: { type?, number }`.
 */
export const OCTO_OPTION = 'DEFAULT';

const UNIT_TYPES: Record<string, string> = {
  adult: 'ADULT',
  child: 'CHILD',
  senior: 'SENIOR',
  student: 'STUDENT',
  family: 'FAMILY',
  group: 'OTHER',
  annual_pass: 'OTHER',
  combo: 'OTHER',
};

export function octoUnit(p: Product) {
  return {
    id: p.id,
    internalName: p.name,
    reference: p.kind,
    type: UNIT_TYPES[p.kind] ?? 'OTHER',
    requiredContactFields: ['fullName'],
    restrictions: {
      minAge: 0,
      maxAge: 100,
      idRequired: true,
      minQuantity: null,
      maxQuantity: null,
      paxCount: p.persons,
      accompaniedBy: [],
    },
  };
}

/**
 * The option's cancellation cutoff is the strictest refund deadline of its units'
 * policies (OCTO has one per option); `cancellationPolicy` says each unit's terms, the
 * same text the visitor page shows. The refund itself is decided by core/policies.
 */
export function octoCancellation(area: AreaConfig) {
  const active = [...area.products.values()].filter((p) => p.active);
  const hours = Math.max(0, ...active.map((p) => cutoffHours(p.policy.refund.cutoff) ?? 0));
  return {
    cancellationCutoff: `${hours} hours`,
    cancellationCutoffAmount: hours,
    cancellationCutoffUnit: 'hour',
    cancellationPolicy: active.map((p) => `${p.name}: ${viewPolicy(p.policy).summary.en}`).join('\n'),
  };
}

export function octoProduct(area: AreaConfig) {
  return {
    id: area.id,
    internalName: area.name,
    reference: area.id,
    locale: 'zh-CN',
    timeZone: area.timezone,
    allowFreesale: false,
    instantConfirmation: true,
    instantDelivery: true,
    availabilityRequired: true,
    availabilityType: 'START_TIME',
    deliveryFormats: ['QRCODE'],
    deliveryMethods: ['TICKET'],
    redemptionMethod: 'DIGITAL',
    options: [
      {
        id: OCTO_OPTION,
        default: true,
        internalName: 'Timed entry',
        reference: null,
        availabilityLocalStartTimes: area.slots.map((s) => s.startsAt),
        ...octoCancellation(area),
        requiredContactFields: ['fullName'],
        restrictions: { minUnits: 1, maxUnits: 500 },
        units: [...area.products.values()].filter((p) => p.active).map(octoUnit),
      },
    ],
  };
}

export const AvailabilityRequest = z.object({
  productId: z.string().min(1),
  optionId: z.string().min(1),
  localDateStart: z.iso.date().optional(),
  localDateEnd: z.iso.date().optional(),
  availabilityIds: z.array(z.string()).max(100).optional(),
  units: z.array(z.object({ id: z.string(), quantity: z.number().int().min(0) })).optional(),
});
export type AvailabilityRequest = z.output<typeof AvailabilityRequest>;

/** The dates an availability request covers (at most 31), or the dates of its ids. */
export function requestedDates(r: AvailabilityRequest): string[] {
  if (r.availabilityIds?.length) return [...new Set(r.availabilityIds.map((id) => id.slice(0, 10)))].sort();
  if (!r.localDateStart || !r.localDateEnd)
    throw inputError('BAD_REQUEST', 'give localDateStart and localDateEnd, or availabilityIds', [
      { path: 'localDateStart', message: 'required' },
    ]);
  if (r.localDateEnd < r.localDateStart)
    throw inputError('BAD_REQUEST', 'localDateEnd is before localDateStart', [
      { path: 'localDateEnd', message: 'before start' },
    ]);
  const out: string[] = [];
  for (let d = r.localDateStart; d <= r.localDateEnd && out.length < 31; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * `GET /octo/bookings` filters (OCTO's booking list): at least one of them; dates are the
 * visit's local date, a range at most 31 days; `resellerReference` is not stored, so it
 * is refused rather than ignored.
 */
export const BookingListQuery = z
  .object({
    productId: z.string().min(1).max(64).optional(),
    optionId: z.string().min(1).max(64).optional(),
    supplierReference: z.uuid().optional(),
    localDate: z.iso.date().optional(),
    localDateStart: z.iso.date().optional(),
    localDateEnd: z.iso.date().optional(),
    resellerReference: z.string().max(100).optional(),
  })
  .strict();
export type BookingListQuery = z.output<typeof BookingListQuery>;

/** The visit-date range and the other filters of a booking list, checked. */
export function bookingFilters(q: BookingListQuery): {
  productId?: string;
  orderId?: string;
  from?: string;
  to?: string;
} {
  if (q.resellerReference !== undefined)
    throw inputError(
      'BAD_REQUEST',
      'resellerReference is not stored by this supplier; filter by supplierReference, productId or dates',
      [{ path: 'resellerReference', message: 'not supported' }],
    );
  if (q.optionId !== undefined) checkOption(q.optionId);
  if (q.localDate && (q.localDateStart || q.localDateEnd))
    throw inputError('BAD_REQUEST', 'give localDate, or localDateStart and localDateEnd, not both', [
      { path: 'localDate', message: 'conflicts with a range' },
    ]);
  if (!q.localDateStart !== !q.localDateEnd)
    throw inputError('BAD_REQUEST', 'give both localDateStart and localDateEnd', [
      { path: q.localDateStart ? 'localDateEnd' : 'localDateStart', message: 'required' },
    ]);
  const from = q.localDate ?? q.localDateStart;
  const to = q.localDate ?? q.localDateEnd;
  if (from && to && to < from)
    throw inputError('BAD_REQUEST', 'localDateEnd is before localDateStart', [
      { path: 'localDateEnd', message: 'before start' },
    ]);
  if (from && to && addDays(from, 31) <= to)
    throw inputError('BAD_REQUEST', 'a date range covers at most 31 days', [
      { path: 'localDateEnd', message: 'more than 31 days' },
    ]);
  if (!from && !q.productId && !q.supplierReference)
    throw inputError(
      'BAD_REQUEST',
      'filter by at least one of supplierReference, productId, localDate or localDateStart/localDateEnd',
      [{ path: 'query', message: 'no filter' }],
    );
  return { productId: q.productId, orderId: q.supplierReference, from, to };
}

export function checkOption(optionId: string): void {
  if (optionId !== OCTO_OPTION)
    throw notFound('INVALID_OPTION_ID', `option ${optionId} does not exist (use ${OCTO_OPTION})`);
}

/** A day's availability, with each slot's unit prices when the caller priced it. */
type OctoDay = Omit<DayAvailability, 'slots'> & {
  slots: (DayAvailability['slots'][number] & { prices?: { productId: string; unitPrice: number }[] })[];
};

/** OCTO availability objects of one day for a channel. */
export function octoAvailability(area: AreaConfig, day: OctoDay, unitsWanted: number) {
  return day.slots.map((s) => {
    const status =
      s.remaining === 0
        ? 'SOLD_OUT'
        : s.remaining < Math.max(1, Math.floor(s.capacity * 0.1))
          ? 'LIMITED'
          : 'AVAILABLE';
    return {
      id: localDateTime(day.date, s.startsAt, area.timezone),
      localDateTimeStart: localDateTime(day.date, s.startsAt, area.timezone),
      localDateTimeEnd: localDateTime(day.date, s.endsAt, area.timezone),
      allDay: false,
      available: s.remaining >= Math.max(1, unitsWanted),
      status,
      vacancies: s.remaining,
      capacity: s.capacity,
      maxUnits: s.remaining,
      utcCutoffAt: new Date(Date.parse(localDateTime(day.date, s.endsAt, area.timezone))).toISOString(),
      openingHours: [{ from: s.startsAt, to: s.endsAt }],
      // OCTO pricing capability: each unit's price in this availability (crowd factor included, issue 22)
      ...(s.prices && {
        unitPricing: s.prices.map((u) => ({
          unitId: u.productId,
          original: u.unitPrice,
          retail: u.unitPrice,
          net: u.unitPrice,
          currency: 'CNY',
          currencyPrecision: 2,
          includedTaxes: [],
        })),
      }),
    };
  });
}

export function octoCalendarDay(day: DayAvailability) {
  const capacity = day.slots.reduce((s, x) => s + x.capacity, 0);
  const vacancies = day.slots.reduce((s, x) => s + x.remaining, 0);
  return {
    localDate: day.date,
    available: vacancies > 0,
    status: day.closed ? 'CLOSED' : vacancies === 0 ? 'SOLD_OUT' : day.almostFull ? 'LIMITED' : 'AVAILABLE',
    vacancies,
    capacity,
    openingHours: [],
  };
}

export const BookingRequest = z.object({
  uuid: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .optional(),
  productId: z.string().min(1),
  optionId: z.string().min(1),
  availabilityId: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, 'an availability id as returned by /availability'),
  expirationMinutes: z.number().int().min(1).max(60).optional(),
  notes: z.string().max(500).optional(),
  resellerReference: z.string().max(100).optional(),
  /**
   * Scenic's extension (issue 22): the member the booking is for (member number); only a
   * partner flagged as selling to members may name one, and the booking then has the
   * member price, as on `/partner/v1`.
   */
  memberRef: z
    .string()
    .regex(/^M\d{12}$/)
    .optional(),
  contact: z
    .object({ phoneNumber: z.string().optional(), fullName: z.string().optional() })
    .partial()
    .optional(),
  unitItems: z
    .array(
      z.object({
        uuid: z.string().optional(),
        unitId: z.string().min(1),
        contact: z
          .object({
            fullName: z.string().optional(),
            firstName: z.string().optional(),
            lastName: z.string().optional(),
          })
          .optional(),
        identityDocument: z.object({
          type: z
            .enum(['cn_resident', 'passport', 'hk_macau_permit', 'taiwan_permit'])
            .default('cn_resident'),
          number: z.string().min(5).max(32),
        }),
      }),
    )
    .min(1)
    .max(500),
});
export type BookingRequest = z.output<typeof BookingRequest>;

/** Pure: the date and time slot an OCTO availability id names. */
export function availabilitySlot(availabilityId: string, area: AreaConfig): { date: string; slotId: string } {
  const start = availabilityId.slice(11, 16);
  const slot = area.slots.find((s) => s.startsAt === start);
  if (!slot) throw notFound('INVALID_AVAILABILITY_ID', `no availability ${availabilityId}`);
  return { date: availabilityId.slice(0, 10), slotId: slot.id };
}

/**
 * OCTO booking update. Only a move to another availability (a reschedule of a confirmed
 * booking) is supported; what Scenic does not store (notes, reseller reference) or cannot
 * change in place (unit items, contact of a real-name ticket) is refused, not ignored.
 */
export const BookingUpdateRequest = z
  .object({
    productId: z.string().min(1).optional(),
    optionId: z.string().min(1).optional(),
    availabilityId: BookingRequest.shape.availabilityId,
  })
  .strict();
export type BookingUpdateRequest = z.output<typeof BookingUpdateRequest>;

/** Pure: an OCTO reserve request as a partner order. */
export function bookingToOrder(b: BookingRequest, area: AreaConfig): PartnerOrderInput {
  checkOption(b.optionId);
  const { date, slotId } = availabilitySlot(b.availabilityId, area);
  const byUnit = new Map<string, PartnerOrderInput['items'][number]['visitors']>();
  b.unitItems.forEach((u, i) => {
    if (!area.products.has(u.unitId))
      throw notFound('INVALID_UNIT_ID', `unitItems.${i}: no unit ${u.unitId}`);
    const name = u.contact?.fullName ?? [u.contact?.lastName, u.contact?.firstName].filter(Boolean).join('');
    if (!name)
      throw inputError('BAD_REQUEST', `unitItems.${i}.contact.fullName is required (real-name ticketing)`, [
        { path: `unitItems.${i}.contact.fullName`, message: 'required' },
      ]);
    byUnit.set(u.unitId, [
      ...(byUnit.get(u.unitId) ?? []),
      { name, idType: u.identityDocument.type, idNumber: u.identityDocument.number },
    ]);
  });
  const phone = b.contact?.phoneNumber?.replace(/^\+?86/, '').replace(/\D/g, '');
  return {
    partnerOrderId: b.uuid ?? randomUUID(),
    areaId: area.id,
    date,
    slotId,
    items: [...byUnit.entries()].map(([productId, visitors]) => ({ productId, visitors })),
    contactPhone: phone && /^1[3-9]\d{9}$/.test(phone) ? phone : undefined,
    ...(b.memberRef ? { memberRef: b.memberRef } : {}),
  };
}

const STATUS: Record<OrderView['status'], string> = {
  held: 'ON_HOLD',
  issued: 'CONFIRMED',
  partially_refunded: 'CONFIRMED',
  expired: 'EXPIRED',
  cancelled: 'CANCELLED',
  refunded: 'CANCELLED',
};

/** Pure: an order as an OCTO booking. */
export function octoBooking(o: OrderView, area: AreaConfig, channel: Channel) {
  const slot = area.slots.find((s) => s.id === o.slotId);
  const allUsed =
    o.tickets.length > 0 &&
    o.tickets.filter((t) => t.status === 'valid').every((t) => t.entriesUsed >= t.entriesAllowed) &&
    o.tickets.some((t) => t.status === 'valid');
  const status = o.status === 'issued' && allUsed ? 'REDEEMED' : STATUS[o.status];
  const price = (retail: number) => ({
    original: retail,
    retail,
    net: retail - applyBps(retail, channel.commissionBps),
    currency: o.currency,
    currencyPrecision: 2,
    includedTaxes: [],
  });
  return {
    id: o.id,
    uuid: o.partnerOrderId,
    testMode: false,
    resellerReference: null,
    supplierReference: o.id,
    status,
    utcCreatedAt: o.createdAt,
    utcUpdatedAt: o.paidAt ?? o.createdAt,
    utcExpiresAt: o.expiresAt,
    utcRedeemedAt: null,
    utcConfirmedAt: o.paidAt,
    productId: o.areaId,
    optionId: OCTO_OPTION,
    cancellable: status === 'ON_HOLD' || status === 'CONFIRMED',
    cancellation:
      o.status === 'cancelled' || o.status === 'refunded'
        ? {
            // a policy fee kept part of the money: PARTIAL
            refund: o.status !== 'refunded' ? 'NONE' : o.amountRefunded < o.amountTotal ? 'PARTIAL' : 'FULL',
            reason: null,
            utcCancelledAt: null,
          }
        : null,
    freesale: false,
    availabilityId: slot ? localDateTime(o.date, slot.startsAt, area.timezone) : o.date,
    availability: slot
      ? {
          id: localDateTime(o.date, slot.startsAt, area.timezone),
          localDateTimeStart: localDateTime(o.date, slot.startsAt, area.timezone),
          localDateTimeEnd: localDateTime(o.date, slot.endsAt, area.timezone),
          allDay: false,
          openingHours: [{ from: slot.startsAt, to: slot.endsAt }],
        }
      : null,
    contact: { fullName: null, phoneNumber: o.contactPhone },
    notes: null,
    deliveryMethods: ['TICKET'],
    voucher: null,
    unitItems: o.tickets.map((t) => ({
      uuid: t.id,
      resellerReference: null,
      supplierReference: t.id,
      unitId: t.productId,
      status:
        t.status === 'valid'
          ? t.entriesUsed >= t.entriesAllowed
            ? 'REDEEMED'
            : 'CONFIRMED'
          : t.status === 'pending'
            ? 'ON_HOLD'
            : 'CANCELLED',
      utcRedeemedAt: null,
      contact: { fullName: t.visitor.name },
      ticket: t.code
        ? {
            redemptionMethod: 'DIGITAL',
            utcRedeemedAt: null,
            deliveryOptions: [{ deliveryFormat: 'QRCODE', deliveryValue: t.code }],
          }
        : null,
      pricing: price(t.price),
    })),
    pricing: price(o.amountTotal - o.amountRefunded),
  };
}

/** OCTO error codes for domain errors (the standard's names; `code` keeps ours). */
export function octoErrorCode(e: DomainError): string {
  if (/^[A-Z_]+$/.test(e.code)) return e.code;
  if (e.code === 'unknown_area') return 'INVALID_PRODUCT_ID';
  if (e.code === 'order_not_found') return 'INVALID_BOOKING_UUID';
  if (e.kind === 'authentication') return 'UNAUTHORIZED';
  if (e.kind === 'not-allowed') return 'FORBIDDEN';
  if (e.kind === 'input' || e.kind === 'not-found') return 'BAD_REQUEST';
  if (e.kind === 'conflict' || e.kind === 'gone') return 'UNPROCESSABLE_ENTITY';
  return 'INTERNAL_SERVER_ERROR';
}

/** HTTP status OCTO expects for an error code. */
export function octoStatus(code: string, fallback: number): number {
  if (code === 'UNAUTHORIZED') return 401;
  if (code === 'FORBIDDEN') return 403;
  if (code === 'INTERNAL_SERVER_ERROR') return fallback >= 500 ? fallback : 500;
  if (fallback === 415 || fallback === 429 || fallback === 503) return fallback;
  return 400;
}
