import { z } from 'zod';
import { Closures, NO_CLOSURES } from './closures.js';
import { Eligibility } from './eligibility.js';
import { ProductPolicy } from '../policies/model.js';
import { GroupTerms } from '../groups/model.js';

/**
 * The shape of a scenic area's catalog as an admin (or the demo seed) declares it.
 * Validated once at the edge; `upsertArea` writes it in one transaction.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase letters, digits, : _ - (max 63)');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24h)');
const bps = z.number().int().min(0).max(100000);

export const PriceRuleDef = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('channel'),
    productId: id.nullable().default(null),
    params: z.object({ channelId: id, price: z.number().int().min(0).optional(), bps: bps.optional() }),
  }),
  z.object({
    kind: z.literal('calendar'),
    productId: id.nullable().default(null),
    params: z.object({
      label: z.string().min(1).max(80),
      dates: z.array(z.iso.date()).optional(),
      weekdays: z.array(z.number().int().min(0).max(6)).optional(),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      bps,
    }),
  }),
  z.object({
    kind: z.literal('early_bird'),
    productId: id.nullable().default(null),
    params: z.object({ before: hhmm, bps }),
  }),
  z.object({
    kind: z.literal('night'),
    productId: id.nullable().default(null),
    params: z.object({ after: hhmm, bps }),
  }),
  z.object({
    kind: z.literal('presale'),
    productId: id.nullable().default(null),
    params: z.object({ until: z.iso.datetime({ offset: true }), bps }),
  }),
  z.object({ kind: z.literal('member'), productId: id.nullable().default(null), params: z.object({ bps }) }),
]);

export const PRODUCT_KINDS = [
  'adult',
  'child',
  'senior',
  'student',
  'family',
  'group',
  'annual_pass',
  'combo',
] as const;

/** A product's dynamic-pricing bounds: the floor at most the base price, the ceiling at least it. */
export const DynamicPricingDefinition = z
  .object({
    enabled: z.boolean().default(false),
    floor: z.number().int().min(0),
    ceiling: z.number().int().min(0),
  })
  .refine((d) => d.floor <= d.ceiling, { message: 'floor must not exceed ceiling', path: ['floor'] });
export type DynamicPricingDefinition = z.output<typeof DynamicPricingDefinition>;

/** One product (ticket type) of an area: what the console's product form sends too. */
export const ProductDefinition = z
  .object({
    id,
    name: z.string().min(1).max(120),
    kind: z.enum(PRODUCT_KINDS),
    basePrice: z.number().int().min(0),
    persons: z.number().int().min(1).max(100).default(1),
    entriesAllowed: z.number().int().min(1).max(255).default(1),
    reentry: z.boolean().default(false),
    dateBound: z.boolean().default(true),
    validityDays: z.number().int().min(1).max(366).default(1),
    freeReschedule: z.boolean().default(false),
    releaseOnExit: z.boolean().default(false),
    entrances: z.array(id).nullable().default(null),
    components: z.array(z.object({ item: z.string().min(1), name: z.string().min(1) })).default([]),
    /** who may travel on it (age band at the visit date, staff checks); left out: its kind's */
    eligibility: Eligibility.nullable().optional(),
    /**
     * crowd-forecast pricing (issue 22): base × the slot's factor within [floor, ceiling]
     * (minor units); left out or enabled false: the static price
     */
    dynamicPricing: DynamicPricingDefinition.nullable().optional(),
    /** refund and reschedule policy (issue 18); left out: the default (core/policies/model.ts) */
    policy: ProductPolicy.nullable().optional(),
    /** the visiting route the purchase SMS carries */
    visitRoute: z.string().min(1).max(300).nullable().optional(),
    /** a group product's party sizes and price tiers (core/groups) */
    group: GroupTerms.nullable().optional(),
  })
  // a visitor who may come back keeps their place: the stock cannot go back on sale at exit
  .refine((p) => !(p.reentry && p.releaseOnExit), {
    message: 'a product cannot both allow re-entry and release its capacity on exit',
    path: ['releaseOnExit'],
  })
  .refine((p) => !p.dynamicPricing || p.dynamicPricing.floor <= p.basePrice, {
    message: 'the floor must not exceed the base price',
    path: ['dynamicPricing', 'floor'],
  })
  .refine((p) => !p.dynamicPricing || p.dynamicPricing.ceiling >= p.basePrice, {
    message: 'the ceiling must not be below the base price',
    path: ['dynamicPricing', 'ceiling'],
  });
export type ProductDefinition = z.output<typeof ProductDefinition>;

export const AreaDefinition = z
  .object({
    id,
    name: z.string().min(1).max(120),
    timezone: z.string().default('Asia/Shanghai'),
    dailyCapacity: z.number().int().min(1).max(10_000_000),
    instantCapacity: z.number().int().min(1).max(10_000_000),
    thresholds: z
      .object({
        yellow: z.number().int().min(1).max(100),
        orange: z.number().int().min(1).max(100),
        red: z.number().int().min(1).max(100),
      })
      .refine(
        (t) => t.yellow < t.orange && t.orange <= t.red,
        'thresholds must satisfy yellow < orange <= red',
      )
      .default({ yellow: 70, orange: 85, red: 100 }),
    idDailyLimit: z.number().int().min(0).max(100).default(5),
    /** days the area does not open: sold in no channel */
    closures: Closures.default(NO_CLOSURES),
    entrances: z.array(z.object({ id, name: z.string().min(1) })).min(1),
    slots: z
      .array(
        z
          .object({
            id,
            startsAt: hhmm,
            endsAt: hhmm.or(z.literal('24:00')),
            capacity: z.number().int().min(0),
          })
          .refine((s) => s.startsAt < s.endsAt, 'slot must end after it starts'),
      )
      .min(1),
    products: z.array(ProductDefinition).min(1),
    quotas: z
      .array(
        z
          .object({
            channelId: id,
            quota: z.number().int().min(0).optional(),
            shareBps: z.number().int().min(0).max(10000).optional(),
          })
          .refine(
            (q) => (q.quota === undefined) !== (q.shareBps === undefined),
            'give exactly one of quota or shareBps',
          ),
      )
      .default([]),
    priceRules: z.array(PriceRuleDef).default([]),
    coupons: z
      .array(
        z.object({
          code: z.string().regex(/^[A-Z0-9_-]{3,32}$/),
          kind: z.enum(['percent', 'amount']),
          value: z.number().int().min(1),
          maxUses: z.number().int().min(1).nullable().default(null),
          stackable: z.boolean().default(false),
          minAmount: z.number().int().min(0).default(0),
          validFrom: z.iso.datetime({ offset: true }).nullable().default(null),
          validUntil: z.iso.datetime({ offset: true }).nullable().default(null),
        }),
      )
      .default([]),
  })
  .refine((a) => a.slots.reduce((s, x) => s + x.capacity, 0) >= 1, {
    message: 'slots must have some capacity',
    path: ['slots'],
  });

export type AreaDefinition = z.output<typeof AreaDefinition>;

export const ChannelDefinition = z.object({
  id,
  name: z.string().min(1),
  kind: z.enum(['online', 'onsite']),
  enabled: z.boolean().default(true),
  commissionBps: z.number().int().min(0).max(10000).default(0),
  discountBps: z.number().int().min(0).max(10000).default(0),
  sellsFrom: hhmm.nullable().default(null),
  sellsUntil: hhmm.nullable().default(null),
});
export type ChannelDefinition = z.output<typeof ChannelDefinition>;

/**
 * Channels of OTA/distributor partners are `ota:<partner id>`: they sell only through the
 * partner's signed API (their prices, quota and settlement are the partner's).
 */
export const PARTNER_CHANNEL_PREFIX = 'ota:';

/** The channels every installation starts with. OTA partners are added per partner. */
export const DEFAULT_CHANNELS: ChannelDefinition[] = [
  {
    id: 'web',
    name: 'Website / H5',
    kind: 'online',
    enabled: true,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
  },
  {
    id: 'mini',
    name: 'Mini-program',
    kind: 'online',
    enabled: true,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
  },
  {
    id: 'box-office',
    name: 'Box office',
    kind: 'onsite',
    enabled: true,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
  },
  {
    id: 'kiosk',
    name: 'Self-service kiosk',
    kind: 'onsite',
    enabled: true,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
  },
  {
    id: 'handheld',
    name: 'Handheld',
    kind: 'onsite',
    enabled: true,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
  },
];
