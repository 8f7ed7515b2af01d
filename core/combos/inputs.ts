import { z } from 'zod';
import { REFUND_REASONS } from '../orders/model.js';

/**
 * Inputs of the combo operations; the API validates with these same schemas and publishes
 * them in its OpenAPI document.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase id');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24h)');

/** A component of an area's combo products, with its daily schedule (PUT …/combo-components/:id). */
export const ComponentDefinition = z
  .object({
    name: z.string().min(1).max(120),
    kind: z.enum(['bus', 'show', 'meal', 'other']),
    /** the combo products of the area each ticket of which includes one seat per person */
    productIds: z.array(slug).min(1).max(20),
    /** the part of the product's price it stands for (fen per ticket): what an unused one refunds */
    value: z.number().int().min(0),
    /** departures or showtimes, the same every day; capacity in seats per session per day */
    sessions: z
      .array(z.object({ id: slug, startsAt: hhmm, capacity: z.number().int().min(0).max(1_000_000) }))
      .min(1)
      .max(96),
    active: z.boolean().default(true),
  })
  .refine((c) => new Set(c.sessions.map((s) => s.id)).size === c.sessions.length, {
    message: 'session ids must be unique',
    path: ['sessions'],
  });
export type ComponentDefinition = z.output<typeof ComponentDefinition>;

/** The visitor's pick for an order: component id → session id (a bus departure, a showtime). */
export const ComboSessions = z.record(slug, slug);
export type ComboSessions = z.output<typeof ComboSessions>;

/** Gives a registered gate device the role of one component's door. */
export const ScanPointDefinition = z.object({ componentId: slug });

/** Refunds the unused components of some (or all) tickets of a paid combo order. */
export const ComponentRefundInput = z.object({
  ticketIds: z.array(z.uuid()).min(1).optional(),
  /** left out: every unused component */
  componentIds: z.array(slug).min(1).optional(),
  reason: z.enum(REFUND_REASONS),
  note: z.string().max(500).optional(),
});
export type ComponentRefundInput = z.output<typeof ComponentRefundInput>;

export const ComboDayQuery = z.object({ date: z.iso.date() });
