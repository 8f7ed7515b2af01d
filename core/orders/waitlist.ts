import { conflict, inputError, notFound } from '../errors.js';
import { maskPhone } from '../pii/mask.js';
import type { SmsSender } from '../notify/sms.js';
import type { WaitlistInput } from './inputs.js';
import type { Actor } from './model.js';
import type { WaitlistRow } from '../db/tables.js';
import { type OrderDeps } from './store.js';
import { audit } from '../audit/store.js';

/**
 * The waiting list of a sold-out slot. When stock frees (refund, expiry, reschedule)
 * the next in line, in order of joining, gets a claim: the freed stock is reserved in
 * their name for a short time (`wl-<id>` in Redis) and they are told by SMS. Ordering
 * with the claim id turns that reservation into the order in one atomic step, so no
 * one can jump the queue for that stock. Unused claims lapse and pass to the next.
 */
export const CLAIM_TTL_MS = 10 * 60_000;
export const claimResId = (entryId: number | string) => `wl-${entryId}`;

export interface WaitlistEntry {
  id: number;
  areaId: string;
  date: string;
  slotId: string;
  units: number;
  state: WaitlistRow['state'];
  position: number | null;
  claimUntil: string | null;
}

export async function joinWaitlist(d: OrderDeps, actor: Actor, input: WaitlistInput): Promise<WaitlistEntry> {
  const area = await d.catalog.area(input.areaId);
  if (!area.slots.some((s) => s.id === input.slotId))
    throw inputError('invalid_waitlist', 'slotId: no such time slot', [
      { path: 'slotId', message: 'no such time slot' },
    ]);
  const [row] = await d
    .db('waitlist')
    .insert({
      area_id: input.areaId,
      visit_date: input.date,
      slot_id: input.slotId,
      channel_id: 'web',
      units: input.units,
      contact_phone_enc: d.vault.encrypt(input.contactPhone),
      contact_phone_hash: d.vault.lookupHash('phone', input.contactPhone),
      state: 'waiting',
      created_at: d.clock.now(),
    })
    .returning('*');
  await audit(d.db, actor, 'scenic.waitlist.joined', `${input.areaId}/${input.date}/${input.slotId}`, {
    entry: row!.id,
    units: input.units,
  });
  return entryView(d, row!);
}

async function entryView(d: OrderDeps, r: WaitlistRow): Promise<WaitlistEntry> {
  let position: number | null = null;
  if (r.state === 'waiting') {
    const [c]: { n: number }[] = await d
      .db('waitlist')
      .where({ area_id: r.area_id, visit_date: r.visit_date, slot_id: r.slot_id, state: 'waiting' })
      .andWhere('id', '<=', r.id)
      .count({ n: '*' });
    position = Number(c!.n);
  }
  return {
    id: r.id,
    areaId: r.area_id,
    date: r.visit_date,
    slotId: r.slot_id,
    units: r.units,
    state: r.state,
    position,
    claimUntil: r.claim_until?.toISOString() ?? null,
  };
}

export async function getWaitlistEntry(d: OrderDeps, id: number): Promise<WaitlistEntry> {
  const r = await d.db('waitlist').where({ id }).first();
  if (!r) throw notFound('waitlist_entry_not_found', `no waiting-list entry ${id}`);
  return entryView(d, r);
}

/**
 * Offers freed stock of a slot to the waiting list, first come first served, until an
 * entry does not fit. Returns the entries that got a claim.
 */
export async function offerWaitlist(
  d: OrderDeps,
  sms: SmsSender,
  areaId: string,
  date: string,
  slotId: string,
): Promise<number[]> {
  const offered: number[] = [];
  for (;;) {
    const now = d.clock.now();
    const claimed = await d.db.transaction(async (trx) => {
      const r = await trx('waitlist')
        .where({ area_id: areaId, visit_date: date, slot_id: slotId, state: 'waiting' })
        .orderBy('id')
        .forUpdate()
        .skipLocked()
        .first();
      if (!r) return undefined;
      const channel = await d.catalog.channel(r.channel_id);
      const until = new Date(now.getTime() + CLAIM_TTL_MS);
      const res = await d.inventory.reserve({
        resId: claimResId(r.id),
        areaId,
        date,
        slotId,
        channelId: r.channel_id,
        channelKind: channel.kind,
        units: r.units,
        idHashes: [],
        expiresAt: until.getTime(),
      });
      if (!res.ok) return undefined;
      await trx('waitlist').where({ id: r.id }).update({ state: 'claimable', claim_until: until });
      return { row: r, until };
    });
    if (!claimed) return offered;
    offered.push(claimed.row.id);
    const phone = d.vault.decrypt(claimed.row.contact_phone_enc);
    await sms
      .send(
        phone,
        `Scenic: ${claimed.row.units} ticket(s) for ${date} ${slotId} are held for you until ${claimed.until.toISOString().slice(11, 16)} UTC. Claim code ${claimed.row.id}.`,
      )
      .catch((e: unknown) => d.log.warn({ err: e, to: maskPhone(phone) }, 'waitlist sms failed'));
  }
}

/** Claims past their time: release their stock, mark them lapsed, offer to the next. */
export async function lapseClaims(d: OrderDeps, sms: SmsSender): Promise<number> {
  const due = await d
    .db('waitlist')
    .where({ state: 'claimable' })
    .andWhere('claim_until', '<=', d.clock.now())
    .select('*');
  for (const r of due) {
    await d.db.transaction(async (trx) => {
      const cur = await trx('waitlist').where({ id: r.id }).forUpdate().first();
      if (cur?.state !== 'claimable') return;
      await d.inventory.release(r.area_id, r.visit_date, claimResId(r.id), 'all');
      await trx('waitlist').where({ id: r.id }).update({ state: 'lapsed' });
    });
  }
  for (const key of new Set(due.map((r) => `${r.area_id}|${r.visit_date}|${r.slot_id}`))) {
    const [a, dt, s] = key.split('|') as [string, string, string];
    await offerWaitlist(d, sms, a, dt, s);
  }
  return due.length;
}

/** Checks a claim an order wants to use (inside the order's transaction-to-be). */
export async function usableClaim(
  d: OrderDeps,
  claimId: string,
  order: { areaId: string; date: string; slotId: string; units: number; phoneHash: string | null },
): Promise<string> {
  const id = Number(claimId);
  const r = Number.isInteger(id) ? await d.db('waitlist').where({ id }).first() : undefined;
  if (!r || r.state !== 'claimable')
    throw conflict('claim_not_available', 'this waiting-list claim is not (or no longer) available');
  if (r.claim_until && r.claim_until <= d.clock.now())
    throw conflict('claim_expired', 'this waiting-list claim has expired');
  if (r.area_id !== order.areaId || r.visit_date !== order.date || r.slot_id !== order.slotId)
    throw inputError('claim_mismatch', 'the claim is for another area, date or slot', [
      { path: 'claimId', message: 'other slot' },
    ]);
  if (r.units !== order.units)
    throw inputError('claim_mismatch', `the claim is for ${r.units} ticket unit(s)`, [
      { path: 'items', message: `must add up to ${r.units} units` },
    ]);
  if (order.phoneHash !== r.contact_phone_hash)
    throw inputError('claim_mismatch', 'use the phone number that joined the waiting list', [
      { path: 'contactPhone', message: 'not the waiting-list phone' },
    ]);
  return claimResId(r.id);
}
