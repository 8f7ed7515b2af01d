import { randomBytes } from 'node:crypto';
import { conflict, inputError } from '../errors.js';
import type { Inventory, ReserveResult } from '../inventory/inventory.js';
import type { Catalog } from '../catalog/catalog.js';
import { saleWindowIssues } from '../orders/sale-window.js';
import type { Admission, WaitingRoom } from './waiting-room.js';

/**
 * Presale holds: what an admitted buyer gets in the first seconds of a presale. A
 * hold is only a Redis reservation (`ph-<holdId>`) with a short expiry — no Postgres
 * write on the hot path — and becomes an order when the buyer sends visitors with the
 * hold id (the reservation is handed over atomically). Holds that are not used expire
 * through the sweeper; they never touch the books, so a lost hold loses no order.
 */
export const PRESALE_PREFIX = 'ph-';
export const presaleResId = (holdId: string) => `${PRESALE_PREFIX}${holdId}`;
export const PRESALE_HOLD_MS = 5 * 60_000;

export interface PresaleHoldRequest {
  areaId: string;
  date: string;
  slotId: string;
  quantity: number;
}

/** The channel presale holds sell through (the public website's). */
export const PRESALE_CHANNEL = 'web';

export interface PresaleDeps {
  inventory: Inventory;
  catalog: Catalog;
  room: WaitingRoom;
}

/**
 * Holds stock for an admitted buyer: the booking window and the channel's state first
 * (from the catalog's in-memory cache), then the admission's units (one Redis call),
 * then the reserve (one Lua call), which checks capacity levels, quota and the manual
 * switch. Units the stock refuses go back to the admission.
 */
export async function placePresaleHold(
  d: PresaleDeps,
  r: PresaleHoldRequest,
  admission: Admission,
  now: Date,
): Promise<{ holdId: string; expiresAt: number; result: ReserveResult }> {
  const [area, channels] = await Promise.all([d.catalog.area(r.areaId), d.catalog.channels()]);
  const channel = channels.get(PRESALE_CHANNEL);
  if (!channel?.enabled)
    throw conflict('channel_disabled', `sales channel ${PRESALE_CHANNEL} is switched off`);
  const issues = saleWindowIssues(r, area, channel, now);
  if (issues.length) throw inputError('invalid_input', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  await d.room.takeUnits(r.areaId, admission.position, r.quantity);
  const holdId = randomBytes(12).toString('base64url');
  const expiresAt = now.getTime() + PRESALE_HOLD_MS;
  let result: ReserveResult | undefined;
  try {
    result = await d.inventory.reserve({
      resId: presaleResId(holdId),
      areaId: r.areaId,
      date: r.date,
      slotId: r.slotId,
      channelId: channel.id,
      channelKind: channel.kind,
      units: r.quantity,
      idHashes: [],
      expiresAt,
    });
  } finally {
    if (!result?.ok) await d.room.returnUnits(r.areaId, admission.position, r.quantity);
  }
  return { holdId, expiresAt, result };
}

/** Checks that an order may use a presale hold; returns the reservation id to hand over. */
export async function usablePresaleHold(
  inv: Inventory,
  holdId: string,
  order: { areaId: string; date: string; slotId: string; units: number },
  now: number,
): Promise<string> {
  const resId = presaleResId(holdId);
  const r = await inv.reservation(order.areaId, order.date, resId);
  if (!r || !r.held || r.expiresAt <= now)
    throw conflict('hold_not_available', 'this presale hold has expired or was already used');
  if (r.slotId !== order.slotId)
    throw inputError('hold_mismatch', 'the hold is for another time slot', [
      { path: 'slotId', message: 'other slot' },
    ]);
  if (r.units !== order.units)
    throw inputError('hold_mismatch', `the hold is for ${r.units} ticket unit(s)`, [
      { path: 'items', message: `must add up to ${r.units} units` },
    ]);
  return resId;
}

/** Releases presale holds past their expiry in the given areas (the sweeper's job). */
export async function releaseExpiredPresaleHolds(
  inv: Inventory,
  areaIds: readonly string[],
): Promise<number> {
  let n = 0;
  for (const areaId of areaIds) {
    for (const due of await inv.dueHolds(areaId)) {
      if (!due.resId.startsWith(PRESALE_PREFIX)) continue;
      if ((await inv.release(areaId, due.date, due.resId, 'expired')).released > 0) n++;
    }
  }
  return n;
}
