import { z } from 'zod';
import { conflict } from '../errors.js';
import type { IdempotencyKey } from '../idempotency.js';
import { placeOrder } from '../orders/place.js';
import { VisitorInput } from '../orders/inputs.js';
import { recordOfflinePayment } from '../orders/payment.js';
import type { ClientOrigin } from '../orders/hold-caps.js';
import { systemActor, type Actor, type OrderView } from '../orders/model.js';
import { viewOrder, type OrderDeps } from '../orders/store.js';
import { localParts } from '../time.js';
import { bookedOn, passTermsOf, loadPass } from './store.js';

/**
 * A pass holder's free slot booking for a busy day, and a pass's renewal. Both are orders
 * placed through placeOrder (the same reservation script, rules and reconciler as every
 * ticket: there is no second inventory), for the holder named on the pass, linked to it.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
export const PassBookingInput = z
  .object({ date: z.iso.date(), slotId: slug, channelId: slug.optional() })
  .strict();
export type PassBookingInput = z.output<typeof PassBookingInput>;
export const PassRenewalInput = PassBookingInput.extend({
  contactPhone: z
    .string()
    .regex(/^1[3-9]\d{9}$/)
    .optional(),
}).strict();
export type PassRenewalInput = z.output<typeof PassRenewalInput>;

/** The pass, valid, with its holder unsealed (to name on the linked ticket). */
async function validPass(d: OrderDeps, passId: string) {
  const p = await loadPass(d.db, passId);
  if (p.status !== 'valid') throw conflict('pass_not_valid', `pass ${passId} is ${p.status}`);
  const t = await d.db('tickets').where({ id: passId }).first('id_type', 'id_number_enc', 'visitor_name_enc');
  return {
    p,
    holder: VisitorInput.parse({
      name: d.vault.decrypt(t!.visitor_name_enc),
      idType: t!.id_type,
      idNumber: d.vault.decrypt(t!.id_number_enc),
    }),
  };
}

/**
 * Books the holder a free place in a slot: an order of the pass's product at price 0, which
 * takes the slot's stock like any ticket and is issued at once. Refused outside the pass's
 * validity, on a blackout day, or a second time for the same day.
 */
export async function bookPassSlot(
  d: OrderDeps,
  actor: Actor,
  passId: string,
  input: PassBookingInput,
  idem?: IdempotencyKey,
  origin: ClientOrigin = {},
): Promise<{ passId: string; date: string; slotId: string; order: OrderView }> {
  const { p, holder } = await validPass(d, passId);
  if (input.date < p.valid_from || input.date > p.effective_until)
    throw conflict('pass_not_valid', `pass ${passId} is valid from ${p.valid_from} to ${p.effective_until}`);
  const terms = (await passTermsOf(d.db, p.area_id, [p.product_id])).get(p.product_id)!;
  if (terms.blackoutDates.includes(input.date))
    throw conflict('pass_blackout_date', `pass ${passId} does not admit on ${input.date}`);
  const taken = await bookedOn(d.db, passId, input.date);
  if (taken) throw conflict('pass_already_booked', `pass ${passId} already has a booking on ${input.date}`);
  const held = await placeOrder(
    d,
    actor,
    {
      areaId: p.area_id,
      date: input.date,
      slotId: input.slotId,
      channelId: input.channelId,
      items: [{ productId: p.product_id, visitors: [holder] }],
      coupons: [],
    },
    idem,
    origin,
    { kind: 'booking', passId, days: 0 },
  );
  // free: issued at once, as startPayment issues any order of amount 0
  if (held.status === 'held') await recordOfflinePayment(d, systemActor('free'), held.id, 'free', {});
  return { passId, date: input.date, slotId: input.slotId, order: await viewOrder(d.db, d.vault, held.id) };
}

/**
 * Renews a pass: an order of the pass's product at its price, for a visit on `date`, whose
 * ticket, once paid (issued), extends the pass by the product's `validityDays` from its
 * current last day. Refunding the renewal takes the extension back.
 */
export async function renewPass(
  d: OrderDeps,
  actor: Actor,
  passId: string,
  input: PassRenewalInput,
  idem?: IdempotencyKey,
  origin: ClientOrigin = {},
): Promise<OrderView & { accessToken: string }> {
  const { p, holder } = await validPass(d, passId);
  const terms = (await passTermsOf(d.db, p.area_id, [p.product_id])).get(p.product_id)!;
  return placeOrder(
    d,
    actor,
    {
      areaId: p.area_id,
      date: input.date,
      slotId: input.slotId,
      channelId: input.channelId,
      contactPhone: input.contactPhone,
      items: [{ productId: p.product_id, visitors: [holder] }],
      coupons: [],
    },
    idem,
    origin,
    { kind: 'renewal', passId, days: terms.validityDays },
  );
}

/** Today in the area's zone (what "today" means for a pass at its gates). */
export const areaToday = (now: Date, timezone: string) => localParts(now, timezone).date;
