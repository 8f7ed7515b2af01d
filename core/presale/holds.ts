import { randomBytes } from 'node:crypto';
import { conflict, inputError } from '../errors.js';
import type { Inventory, ReserveResult } from '../inventory/inventory.js';

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

export async function placePresaleHold(
  inv: Inventory,
  r: PresaleHoldRequest,
  now: number,
): Promise<{ holdId: string; expiresAt: number; result: ReserveResult }> {
  const holdId = randomBytes(12).toString('base64url');
  const expiresAt = now + PRESALE_HOLD_MS;
  const result = await inv.reserve({
    resId: presaleResId(holdId),
    areaId: r.areaId,
    date: r.date,
    slotId: r.slotId,
    channelId: 'web',
    channelKind: 'online',
    units: r.quantity,
    idHashes: [],
    expiresAt,
  });
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
