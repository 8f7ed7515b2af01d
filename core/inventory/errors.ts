import { conflict, type DomainError } from '../errors.js';
import type { ReserveRefusal } from './inventory.js';

/** Why the stock refused a reservation (the refusal table of `reserve.lua`, see inventory.ts). */
export const INVENTORY_ERRORS = {
  unknown_slot: 'conflict',
  slot_sold_out: 'conflict',
  day_sold_out: 'conflict',
  online_closed: 'conflict',
  channel_quota_reached: 'conflict',
  id_limit_reached: 'conflict',
  channel_paused: 'conflict',
} as const satisfies Record<ReserveRefusal, 'conflict'>;

const REFUSAL_MESSAGES: Record<ReserveRefusal, string> = {
  unknown_slot: 'this time slot does not exist for the area',
  slot_sold_out: 'this time slot is sold out',
  day_sold_out: 'the area is full for this day',
  online_closed: 'online sales are closed for this day; tickets may remain on site',
  channel_quota_reached: "this channel's quota for the day is used up",
  id_limit_reached: 'an ID number has reached its ticket limit for the day',
  channel_paused: 'sales through this channel are paused',
};

/** The domain error of a refused reservation, with what the caller should know (level, waiting list). */
export function refusalError(reason: ReserveRefusal, extra: Record<string, unknown> = {}): DomainError {
  return conflict(reason, REFUSAL_MESSAGES[reason], extra);
}
