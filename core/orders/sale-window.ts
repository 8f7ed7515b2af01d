import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { FieldIssue } from '../errors.js';
import { addDays, localParts } from '../time.js';
import { isClosed } from '../catalog/closures.js';

/** How far ahead visitors may book. */
export const BOOKING_HORIZON_DAYS = 90;

/**
 * What a sale of `date`/`slotId` through `channel` breaks now, if anything: a date in the
 * past or past the booking horizon, a day the area is closed, an unknown or ended slot, the
 * channel's selling hours.
 * Every sale checks it — orders and presale holds alike.
 */
export function saleWindowIssues(
  input: { date: string; slotId: string },
  area: AreaConfig,
  channel: Channel,
  now: Date,
): FieldIssue[] {
  const local = localParts(now, area.timezone);
  const problems: FieldIssue[] = [];
  if (input.date < local.date) problems.push({ path: 'date', message: 'is in the past' });
  if (input.date > addDays(local.date, BOOKING_HORIZON_DAYS))
    problems.push({ path: 'date', message: `is more than ${BOOKING_HORIZON_DAYS} days ahead` });
  if (isClosed(area.closures, input.date))
    problems.push({ path: 'date', message: 'the area is closed on this day' });
  const slot = area.slots.find((s) => s.id === input.slotId);
  if (!slot) problems.push({ path: 'slotId', message: 'no such time slot' });
  else if (input.date === local.date && slot.endsAt <= local.time)
    problems.push({ path: 'slotId', message: 'this time slot has ended' });
  if (channel.sellsFrom && local.time < channel.sellsFrom)
    problems.push({ path: 'channelId', message: `sells from ${channel.sellsFrom}` });
  if (channel.sellsUntil && local.time >= channel.sellsUntil)
    problems.push({ path: 'channelId', message: `sells until ${channel.sellsUntil}` });
  return problems;
}
