import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict, inputError, notAllowed, notFound } from '../errors.js';
import type { ClientOrigin } from './hold-caps.js';
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
  /** the entry's public id (`wl_…`): unguessable, what a claim is made with */
  id: string;
  areaId: string;
  date: string;
  slotId: string;
  units: number;
  state: WaitlistRow['state'];
  position: number | null;
  claimUntil: string | null;
}

/**
 * At most this many live (waiting or offered) entries of one area-day per phone, per
 * device and per client address (issue 17 item 10): a list nobody can flood to take every
 * freed seat.
 */
export const WAITLIST_LIMITS = { phone: 2, device: 4, address: 10 } as const;

const PUBLIC_ID = /^wl_[0-9a-f]{32}$/;
const newPublicId = () => `wl_${randomBytes(16).toString('hex')}`;

/**
 * Joins the waiting list of a slot. Only a signed-in visitor (a phone verified by SMS) may
 * join, for that phone: the claims it gets are texted to it, so nobody can make Scenic text
 * arbitrary numbers or hold freed seats for made-up ones.
 */
export async function joinWaitlist(
  d: OrderDeps,
  actor: Actor,
  input: WaitlistInput,
  origin: ClientOrigin = {},
): Promise<WaitlistEntry> {
  if (actor.kind !== 'visitor' || actor.id === 'anonymous')
    throw notAllowed('sign_in_required', 'sign in with your phone (an SMS code) to join the waiting list');
  const phoneHash = d.vault.lookupHash('phone', input.contactPhone);
  if (phoneHash !== actor.id)
    throw inputError('waitlist_phone_not_verified', 'join with the phone you signed in with', [
      { path: 'contactPhone', message: 'not the signed-in phone' },
    ]);
  const area = await d.catalog.area(input.areaId);
  if (!area.slots.some((s) => s.id === input.slotId))
    throw inputError('invalid_waitlist', 'slotId: no such time slot', [
      { path: 'slotId', message: 'no such time slot' },
    ]);
  const who = {
    contact_phone_hash: phoneHash,
    device_hash: origin.deviceId ? d.vault.lookupHash('device', origin.deviceId) : null,
    address_hash: origin.address ? d.vault.lookupHash('address', origin.address) : null,
  };
  const row = await d.db.transaction(async (trx) => {
    // one join of an area-day at a time, so the limits below cannot be raced past
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`waitlist|${input.areaId}|${input.date}`]);
    await checkWaitlistLimits(trx, input, who);
    const [r] = await trx('waitlist')
      .insert({
        area_id: input.areaId,
        visit_date: input.date,
        slot_id: input.slotId,
        channel_id: 'web',
        units: input.units,
        contact_phone_enc: d.vault.encrypt(input.contactPhone),
        ...who,
        public_id: newPublicId(),
        state: 'waiting',
        created_at: d.clock.now(),
      })
      .returning('*');
    return r!;
  });
  await audit(d.db, actor, 'scenic.waitlist.joined', `${input.areaId}/${input.date}/${input.slotId}`, {
    entry: row.public_id,
    units: input.units,
  });
  return entryView(d, row);
}

async function checkWaitlistLimits(
  trx: Knex.Transaction,
  input: WaitlistInput,
  who: Pick<WaitlistRow, 'contact_phone_hash' | 'device_hash' | 'address_hash'>,
): Promise<void> {
  for (const kind of ['phone', 'device', 'address'] as const) {
    const col = kind === 'phone' ? 'contact_phone_hash' : kind === 'device' ? 'device_hash' : 'address_hash';
    const value = who[col];
    if (!value) continue;
    const [c]: { n: number | string }[] = await trx('waitlist')
      .where({ area_id: input.areaId, visit_date: input.date, [col]: value })
      .whereIn('state', ['waiting', 'claimable'])
      .count({ n: '*' });
    if (Number(c!.n) >= WAITLIST_LIMITS[kind])
      throw conflict(
        'waitlist_limit_reached',
        `at most ${WAITLIST_LIMITS[kind]} waiting-list entries per ${kind} for this day`,
        { limit: WAITLIST_LIMITS[kind] },
      );
  }
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
    id: r.public_id,
    areaId: r.area_id,
    date: r.visit_date,
    slotId: r.slot_id,
    units: r.units,
    state: r.state,
    position,
    claimUntil: r.claim_until?.toISOString() ?? null,
  };
}

/**
 * An entry by its public id. The sequential ids entries were once shown by are refused
 * like unknown ones: 404, which reveals nothing.
 */
export async function getWaitlistEntry(d: OrderDeps, publicId: string): Promise<WaitlistEntry> {
  const r = PUBLIC_ID.test(publicId)
    ? await d.db('waitlist').where({ public_id: publicId }).first()
    : undefined;
  if (!r) throw notFound('waitlist_entry_not_found', 'no such waiting-list entry');
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
        `Scenic: ${claimed.row.units} ticket(s) for ${date} ${slotId} are held for you until ${claimed.until.toISOString().slice(11, 16)} UTC. Claim code ${claimed.row.public_id}.`,
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
  // public ids only: an old sequential claim id is refused like a spent one
  const r = PUBLIC_ID.test(claimId)
    ? await d.db('waitlist').where({ public_id: claimId }).first()
    : undefined;
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
