import { z } from 'zod';
import { Phone, VisitorInput } from '../orders/inputs.js';

/**
 * Inputs of joint products (one sale, valid at several areas) and of the suppliers of
 * packages. The API validates with these schemas and publishes them in OpenAPI.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase id');
const bps = z.number().int().min(0).max(10_000);

export const SupplierDefinition = z.object({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(['hotel', 'restaurant', 'transport', 'other']),
  active: z.boolean().default(true),
});
export type SupplierDefinition = z.output<typeof SupplierDefinition>;

/** The whole of a sale's net is shared: areas' and suppliers' shares add up to 10000 bps. */
export const FULL_SHARE_BPS = 10_000;
/** The brief's figure: a joint ticket valid at up to 36 areas. */
export const MAX_JOINT_AREAS = 36;

export const JointProductDefinition = z.object({
  name: z.string().trim().min(1).max(100),
  /** per visitor, fen */
  price: z.number().int().min(0).max(10_000_000),
  areas: z
    .array(z.object({ areaId: slug, slotId: slug, shareBps: bps }))
    .min(1)
    .max(MAX_JOINT_AREAS),
  suppliers: z
    .array(z.object({ supplierId: slug, item: z.string().trim().min(1).max(100), shareBps: bps }))
    .max(10)
    .default([]),
  active: z.boolean().default(true),
  /**
   * issue 22: the share of the price a member pays (bps; 8000 = 80 %), the same in every
   * channel that sells it; left out: no member price. A joint product has its own price,
   * not its areas' price rules, so it has its own member price too.
   */
  memberPriceBps: bps.min(1).optional(),
});
export type JointProductDefinition = z.output<typeof JointProductDefinition>;

export const JointOrderInput = z.object({
  jointProductId: slug,
  date: z.iso.date(),
  channelId: slug.optional(),
  contactPhone: Phone.optional(),
  visitors: z.array(VisitorInput).min(1).max(10),
  /** issue 22: the member staff at the box office sell to (member number); a signed-in member is known by the session */
  memberRef: z
    .string()
    .regex(/^M\d{12}$/)
    .optional(),
});
export type JointOrderInput = z.output<typeof JointOrderInput>;
