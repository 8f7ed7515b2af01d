import type { PricedDay } from '../core/forecast/availability.js';
import { z } from 'zod';
import type { AreaView } from '../core/catalog/view.js';
import { LEVELS } from '../core/inventory/events.js';
import { ORDER_STATUSES, type OrderView } from '../core/orders/model.js';
import type { PaymentStart } from '../core/orders/payment.js';
import type { RefundResult } from '../core/orders/lifecycle.js';
import type { RefundView } from '../core/orders/refunds.js';
import { PAYMENT_METHODS, type Sale } from '../core/channels/box-office.js';
import type { RoomState } from '../core/presale/waiting-room.js';

/**
 * The API's main answers as zod schemas, for the OpenAPI document's response schemas
 * and for the tests that check real answers against them (tests/api/openapi-routes.test.ts).
 * Each is tied to the TypeScript view the server builds (core/…): `same<…>()` below does
 * not compile if the two differ, so the published shape cannot drift from the code.
 */
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const time = z.string().regex(/^\d{2}:\d{2}$/);
const instant = z.string().describe('ISO 8601 date-time');

export const SlotView = z.object({
  id: z.string(),
  startsAt: time,
  endsAt: time,
  capacity: z.number().int(),
});

const FeeSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('percent'), bps: z.number().int() }),
    z.object({ kind: z.literal('fixed'), amount: z.number().int() }),
  ])
  .nullable();

/** A product's refund and reschedule policy as shown before purchase (core/policies/describe.ts). */
export const PolicyViewSchema = z.object({
  refund: z.object({
    allowed: z.boolean(),
    cutoffHours: z
      .number()
      .int()
      .nullable()
      .describe('refunds stop this many hours before the slot starts (0: at its start; null: until used)'),
    fee: FeeSchema,
    partial: z.boolean().describe('false: only all the order’s unused tickets together'),
  }),
  reschedule: z.object({
    allowed: z.boolean(),
    cutoffHours: z.number().int().nullable(),
    freeCount: z.number().int(),
    maxCount: z.number().int(),
    fee: FeeSchema.describe('per ticket once the free reschedules are used; kept from its value'),
  }),
  summary: z.object({ zh: z.string(), en: z.string() }),
});

export const ProductView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  basePrice: z.number().int().describe('list price in fen'),
  currency: z.string(),
  persons: z.number().int().describe('people one ticket admits (a family ticket: several)'),
  entriesAllowed: z.number().int(),
  freeReschedule: z.boolean(),
  components: z.array(z.object({ item: z.string(), name: z.string() })),
  policy: PolicyViewSchema,
  visitRoute: z.string().nullable().describe('the visiting route, also sent in the purchase SMS'),
  group: z
    .object({
      minPersons: z.number().int(),
      maxPersons: z.number().int(),
      tiers: z.array(z.object({ fromPersons: z.number().int(), unitPrice: z.number().int() })),
    })
    .nullable()
    .describe('a group product: party sizes and the price per person by party size'),
});

export const AreaViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  dailyCapacity: z.number().int(),
  entrances: z.array(z.object({ id: z.string(), name: z.string() })),
  slots: z.array(SlotView),
  products: z.array(ProductView),
});

export const DayAvailabilitySchema = z.object({
  areaId: z.string(),
  date,
  level: z.enum(LEVELS),
  almostFull: z.boolean().describe('yellow or above'),
  closed: z.boolean().describe('the area does not open this day: nothing sells'),
  remaining: z.number().int().describe('what this channel can still sell that day'),
  slots: z.array(
    z.object({
      slotId: z.string(),
      startsAt: time,
      endsAt: time,
      capacity: z.number().int(),
      remaining: z.number().int(),
      soldOut: z.boolean(),
      factorBps: z.number().int().nullable().describe('the crowd-forecast price factor; null: static prices'),
      prices: z.array(z.object({ productId: z.string(), unitPrice: z.number().int(), dynamic: z.boolean() })),
    }),
  ),
});

export const TicketViewSchema = z.object({
  id: z.string(),
  productId: z.string(),
  areaId: z.string().describe("the area the ticket admits at (a joint order's tickets: one per area)"),
  status: z.enum(['pending', 'valid', 'void', 'refunded', 'rescheduled']),
  visitor: z
    .object({ name: z.string(), idType: z.string(), idNumber: z.string() })
    .describe('masked (name and ID number)'),
  price: z.number().int(),
  entriesAllowed: z.number().int(),
  entriesUsed: z.number().int(),
  code: z.string().nullable().describe('the signed QR payload, once issued'),
  group: z
    .object({
      size: z.number().int(),
      leader: z.object({ name: z.string(), phone: z.string() }),
      members: z.array(z.object({ name: z.string(), idType: z.string(), idNumber: z.string() })),
      entered: z.number().int(),
      noShows: z.number().int(),
    })
    .optional()
    .describe(
      "a group ticket's party (core/groups), masked: persons entered, the rest no-shows once the day is over",
    ),
});

export const OrderViewSchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  areaId: z.string(),
  date,
  slotId: z.string(),
  channelId: z.string(),
  currency: z.string(),
  amountTotal: z.number().int().describe('fen'),
  amountRefunded: z.number().int().describe('fen'),
  contactPhone: z.string().nullable().describe('masked'),
  expiresAt: instant.nullable().describe('end of the hold while held'),
  paidAt: instant.nullable(),
  partnerOrderId: z.string().nullable(),
  lines: z.array(
    z.object({
      productId: z.string(),
      quantity: z.number().int(),
      unitPrice: z.number().int(),
      amount: z.number().int(),
    }),
  ),
  tickets: z.array(TicketViewSchema),
  pricing: z.unknown().describe('how the price was made (rules and coupons applied)'),
  createdAt: instant,
});

export const PlacedOrderSchema = OrderViewSchema.extend({
  accessToken: z.string().describe('shown once: send it as X-Order-Token to reach the order'),
});

const PaymentActionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('qr'),
    content: z.string().describe('render as a QR code for the payer to scan'),
  }),
  z.object({ kind: z.literal('redirect'), url: z.string().describe("open it: the provider's page") }),
  z.object({
    kind: z.literal('jsapi'),
    params: z
      .object({
        appId: z.string(),
        timeStamp: z.string(),
        nonceStr: z.string(),
        package: z.string(),
        signType: z.literal('RSA'),
        paySign: z.string(),
      })
      .describe("the mini-program's wx.requestPayment arguments, signed by the merchant"),
  }),
]);

export const PaymentStartSchema = z.object({
  orderId: z.string(),
  paymentId: z.string().nullable(),
  provider: z.enum(['wechat', 'alipay']).nullable(),
  scene: z.enum(['native', 'jsapi', 'h5', 'precreate', 'wap', 'page']).nullable(),
  action: PaymentActionSchema.nullable(),
  payUrl: z
    .string()
    .nullable()
    .describe(
      "the QR's content or the provider's page; null in the mini-program or when nothing is left to pay",
    ),
  amount: z.number().int().describe('fen: the order’s amount from the books'),
  currency: z.string(),
  status: z.enum(['pending', 'issued']),
  expiresAt: instant.nullable().describe('when the provider stops accepting this payment'),
});

export const REFUND_STATUSES = ['pending', 'processing', 'succeeded', 'failed', 'awaiting_counter'] as const;

export const RefundResultSchema = z.object({
  order: OrderViewSchema,
  refund: z.object({
    id: z.string(),
    amount: z.number().int().describe('paid back, fen: the price less the policy fee'),
    fee: z
      .number()
      .int()
      .describe("kept by the product's refund policy, fen (in the books and the daily report)"),
    status: z
      .enum(REFUND_STATUSES)
      .describe(
        'pending/processing: on its way back through the provider; awaiting_counter: collected at the box office (cash, card); failed: refused for good, staff are alerted',
      ),
    ticketIds: z.array(z.string()),
  }),
});

export const RefundViewSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  areaId: z.string(),
  amount: z.number().int(),
  status: z.enum(REFUND_STATUSES),
  method: z.enum(['provider', 'counter', 'partner', 'none']),
  paidWith: z.string().nullable(),
  reason: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: instant.nullable(),
  createdAt: instant,
  settledAt: instant.nullable(),
  settlementRef: z.string().nullable(),
});

export const SaleSchema = z.object({
  order: OrderViewSchema,
  payment: z.object({
    method: z.enum(PAYMENT_METHODS),
    status: z.enum(['paid', 'pending']),
    payUrl: z.string().nullable(),
    changeDue: z.number().int().nullable(),
  }),
});

export const RoomStateSchema = z.object({
  position: z.number().int(),
  admitted: z.boolean(),
  frontier: z.number().int(),
  ahead: z.number().int(),
  retryAfterSeconds: z.number(),
  queueToken: z
    .string()
    .describe('send it as X-Queue-Token to ask for the status; join again when it expires'),
  queueTokenExpiresAt: instant,
  unitsLeft: z.number().int().describe('ticket units this place in line may still hold'),
  admissionToken: z.string().nullable().describe('send it as X-Admission-Token to hold stock'),
  admissionExpiresAt: instant.nullable(),
});

export const PresaleHoldSchema = z.object({
  holdId: z.string().describe('place the order with it (`holdId`) before expiresAt'),
  expiresAt: instant,
  areaId: z.string(),
  date,
  slotId: z.string(),
  quantity: z.number().int(),
  level: z.enum(LEVELS),
});

/** Every response schema, by its name in `components.schemas`. */
export const VIEW_SCHEMAS = {
  AreaView: AreaViewSchema,
  DayAvailability: DayAvailabilitySchema,
  OrderView: OrderViewSchema,
  PlacedOrder: PlacedOrderSchema,
  PaymentStart: PaymentStartSchema,
  RefundResult: RefundResultSchema,
  RefundView: RefundViewSchema,
  Sale: SaleSchema,
  RoomState: RoomStateSchema,
  PresaleHold: PresaleHoldSchema,
} as const;

// The documented shapes are the server's own types, in both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T | undefined => undefined;
same<Same<z.output<typeof AreaViewSchema>, AreaView>>();
same<Same<z.output<typeof DayAvailabilitySchema>, PricedDay>>();
same<Same<z.output<typeof OrderViewSchema>, OrderView>>();
same<Same<z.output<typeof PaymentStartSchema>, PaymentStart>>();
same<Same<z.output<typeof RefundResultSchema>, RefundResult>>();
same<Same<z.output<typeof RefundViewSchema>, RefundView>>();
same<Same<z.output<typeof SaleSchema>, Sale>>();
same<Same<z.output<typeof RoomStateSchema>, RoomState>>();
