import type { Knex } from 'knex';
import { gateKeys } from '../tickets/keys.js';
import type { PiiVault } from '../pii/crypto.js';
import type { GateDevice } from './devices.js';
import { hhmmToMinutes } from '../time.js';
import { deriveManifestKey, manifestIdHash, normaliseIdNumber } from './id-hash.js';
import type { ChangesPage, ManifestPage, ManifestTicket, Presence } from './protocol.js';
import type { TicketRow } from '../db/tables.js';
import { passGateDays, type PassGateDay } from '../passes/store.js';

/**
 * What a gate needs to admit without the network: the area-day's tickets (so an ID
 * card or NFC card finds its ticket, and a QR's ticket has fresh state), then every
 * change after the snapshot by cursor (refunds, reschedules, new issues, entries at
 * other gates). ID numbers travel only as keyed hashes under the area-day key.
 */
/** A ticket as SELECT reads it: with its slot's window, its product's date binding, and this gate's own counts. */
type Row = Pick<
  TicketRow,
  | 'id'
  | 'order_id'
  | 'product_id'
  | 'visit_date'
  | 'status'
  | 'entries_allowed'
  | 'entries_used'
  | 'exits_used'
  | 'units'
  | 'id_number_enc'
  | 'card_uid'
  | 'group_masked'
> & {
  starts_at: string | null;
  ends_at: string | null;
  date_bound: boolean;
  /** an open-dated ticket's last day: visit date + validity days - 1 */
  valid_until: string;
  mine: number;
  mine_exits: number;
};

const SELECT = `
  select t.id, t.order_id, t.product_id, t.visit_date::text as visit_date, t.status, t.entries_allowed, t.entries_used, t.exits_used,
         t.units, t.id_number_enc, t.card_uid, t.group_masked, s.starts_at, s.ends_at,
         (coalesce(p.date_bound, true) and not exists (select 1 from passes ps where ps.ticket_id = t.id)) as date_bound,
         coalesce(pass_valid_until(t.id), t.visit_date + (coalesce(p.validity_days, 1) - 1))::text as valid_until,
         -- a group ticket's entries are persons (core/groups)
         (select coalesce(sum(case when t.group_masked is null then 1 else coalesce(c.persons_counted, 0) end), 0)
            from checkin_scans c where c.ticket_id = t.id and c.gate_id = ? and c.counted)::int as mine,
         (select count(*) from checkin_scans c where c.ticket_id = t.id and c.gate_id = ? and c.direction = 'out' and c.decision = 'admit')::int as mine_exits
    from tickets t left join time_slots s on s.area_id = t.area_id and s.id = t.slot_id
    left join products p on p.area_id = t.area_id and p.id = t.product_id`;

/**
 * The tickets of an area-day (bind `onDayBinds(areaId, date)`): those of its visit date, and
 * open-dated ones whose validity covers it, so a refund of an open-dated ticket reaches
 * every gate on every day it could be used (17.12).
 */
const ON_DAY = `((t.visit_date = ?::date or (not coalesce(p.date_bound, true)
    and t.visit_date <= ?::date and t.visit_date + coalesce(p.validity_days, 1) > ?::date)
    or t.id in (select ps.ticket_id from passes ps where ps.area_id = ? and ps.valid_from <= ?::date
                 and (ps.valid_until >= ?::date or pass_valid_until(ps.ticket_id) >= ?::date)))
    and not exists (select 1 from pass_links l where l.ticket_id = t.id))`;
/** The binds of {@link ON_DAY}. Annual passes (core/passes) are on every day of their validity; their bookings and renewals never reach a gate. */
const onDayBinds = (areaId: string, date: string) => [date, date, date, areaId, date, date, date];

export function manifestKeyFor(vault: PiiVault, areaId: string, date: string): string {
  return deriveManifestKey((v) => vault.lookupHash('id', v), areaId, date);
}

function toWire(r: Row, key: string, vault: PiiVault, date: string, pass?: PassGateDay): ManifestTicket {
  let idHash: string | null = null;
  try {
    if (key) idHash = manifestIdHash(key, vault.decrypt(r.id_number_enc));
  } catch {
    idHash = null; // undecryptable (rotated key): the ticket still works by QR
  }
  // An open-dated ticket belongs to every day of its validity (17.12); outside it, revoked.
  const moved = r.date_bound ? r.visit_date !== date : !(r.visit_date <= date && date <= r.valid_until);
  return {
    ticketId: r.id,
    orderId: r.order_id,
    productId: r.product_id,
    date: r.date_bound ? date : null,
    validUntil: r.date_bound ? null : r.valid_until,
    slotStartMin: r.starts_at ? hhmmToMinutes(r.starts_at) : 0,
    slotEndMin: r.ends_at ? hhmmToMinutes(r.ends_at) : 24 * 60,
    entriesAllowed: r.entries_allowed,
    // a pass's entries count per day: the day's at other gates (core/passes)
    entriesUsedElsewhere: pass
      ? Math.max(0, pass.countedToday - pass.mineToday)
      : Math.max(0, r.entries_used - r.mine),
    // this gate knows its own exits from its journal (all of them; the centre matches them)
    exitsUsedElsewhere: Math.max(0, r.exits_used - r.mine_exits),
    units: r.units,
    // A ticket rescheduled away from this date no longer admits here.
    status: moved ? 'revoked' : r.status,
    idHash,
    cardUid: r.card_uid,
    pass: pass?.day ?? null,
    group: r.group_masked
      ? { size: r.group_masked.size, members: r.group_masked.members.map((m) => m.name) }
      : null,
  };
}

/**
 * Sequence numbers are taken when a change is written but become visible when its
 * transaction commits, so they can appear out of order: a cursor that jumped to the
 * newest visible seq could step over a slower transaction's smaller one. A cursor
 * therefore only moves past changes older than `settleMs` (transactions that touch
 * tickets are far shorter); newer ones are sent again on every round until they settle.
 * Replays are harmless: a change carries the ticket's latest state.
 */
export const DEFAULT_CHANGE_SETTLE_MS = 60_000;

async function settledCursor(db: Knex, settleMs: number): Promise<number> {
  const r = await db('ticket_changes')
    .where('at', '<', db.raw('now() - make_interval(secs => ?)', [settleMs / 1000]))
    .max<{ max: number | null }>('seq as max')
    .first();
  return r?.max ?? 0;
}

/**
 * Whether a gate gets ID-number hashes (and the key) for a day (17.5): only a fixed
 * turnstile, and only for today. A handheld — the device that gets lost — and any other
 * day get none: a lost handheld holds no searchable hash of any visitor's ID number, and a
 * stolen turnstile one entrance's today at most. Handhelds admit by QR or NFC offline.
 */
export function idHashesFor(gate: GateDevice, date: string, today: string): boolean {
  return gate.kind !== 'handheld' && date === today;
}

/**
 * The tickets of the gate's area for `date` that an ID number holds (17.5, a handheld's
 * online lookup): by the ID number's lookup hash, issued ones only, at most `limit`.
 */
export async function ticketsOfIdNumber(
  db: Knex,
  vault: PiiVault,
  gate: GateDevice,
  date: string,
  idNumber: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `select t.id from tickets t left join products p on p.area_id = t.area_id and p.id = t.product_id
      where t.area_id = ? and t.id_hash = ? and t.status <> 'pending' and ${ON_DAY}
      order by t.id limit ?`,
    [
      gate.areaId,
      vault.lookupHash('id', normaliseIdNumber(idNumber)),
      ...onDayBinds(gate.areaId, date),
      limit,
    ],
  );
  return rows.map((r) => r.id);
}

/** One page of the area-day's issued tickets, ordered by id. */
export async function manifestPage(
  db: Knex,
  vault: PiiVault,
  gate: GateDevice,
  date: string,
  after: string | null,
  limit: number,
  settleMs = DEFAULT_CHANGE_SETTLE_MS,
  idHashes = true,
): Promise<ManifestPage> {
  // The cursor is read before the snapshot and settled: a change racing the snapshot is
  // replayed by /changes, never lost.
  const cursor = await settledCursor(db, settleMs);
  const { rows } = await db.raw<{ rows: Row[] }>(
    `${SELECT} where t.area_id = ? and ${ON_DAY} and t.status <> 'pending' ${after ? 'and t.id > ?' : ''}
      order by t.id limit ?`,
    after
      ? [gate.id, gate.id, gate.areaId, ...onDayBinds(gate.areaId, date), after, limit]
      : [gate.id, gate.id, gate.areaId, ...onDayBinds(gate.areaId, date), limit],
  );
  const key = idHashes ? manifestKeyFor(vault, gate.areaId, date) : '';
  const passes = await passGateDays(
    db,
    rows.map((r) => r.id),
    date,
    gate.id,
  );
  return {
    areaId: gate.areaId,
    date,
    manifestKey: key,
    cursor,
    tickets: rows.map((r) => toWire(r, key, vault, date, passes.get(r.id))),
    next: rows.length === limit ? rows[rows.length - 1]!.id : null,
  };
}

/** Changes to the area-day's tickets after `cursor`, latest state of each ticket. */
export async function changesPage(
  db: Knex,
  vault: PiiVault,
  gate: GateDevice,
  date: string,
  cursor: number,
  limit: number,
  presence: Presence,
  settleMs = DEFAULT_CHANGE_SETTLE_MS,
  idHashes = true,
): Promise<ChangesPage> {
  const changes = await db('ticket_changes')
    .where({ area_id: gate.areaId })
    .andWhere(
      (q) =>
        void q.where('visit_date', date).orWhereIn(
          'ticket_id',
          db('tickets as t')
            .join('products as p', (j) => j.on('p.area_id', 't.area_id').andOn('p.id', 't.product_id'))
            .where('t.area_id', gate.areaId)
            .andWhereRaw(ON_DAY, onDayBinds(gate.areaId, date))
            .select('t.id'),
        ),
    )
    .andWhere('seq', '>', cursor)
    .orderBy('seq')
    .limit(limit)
    .select<{ seq: number; ticket_id: string; settled: boolean }[]>(
      'seq',
      'ticket_id',
      db.raw('at < now() - make_interval(secs => ?) as settled', [settleMs / 1000]),
    );
  if (!changes.length) return { cursor, highest: cursor, tickets: [], more: false, presence };
  let next = cursor;
  for (const c of changes) {
    if (!c.settled) break;
    next = c.seq;
  }
  const ids = [...new Set(changes.map((c) => c.ticket_id))];
  const { rows } = await db.raw<{ rows: Row[] }>(
    `${SELECT} where t.id = any(?::uuid[]) and t.status <> 'pending'`,
    [gate.id, gate.id, ids],
  );
  const key = idHashes ? manifestKeyFor(vault, gate.areaId, date) : '';
  const passes = await passGateDays(
    db,
    rows.map((r) => r.id),
    date,
    gate.id,
  );
  const highest = changes[changes.length - 1]!.seq;
  // More pages only while the cursor can move; unsettled changes come again next round.
  return {
    cursor: next,
    highest,
    tickets: rows.map((r) => toWire(r, key, vault, date, passes.get(r.id))),
    more: changes.length === limit && next > cursor,
    presence,
  };
}

/**
 * The ticket-signing public keys that verify now (a rotated key verifies until it is retired
 * or revoked, core/tickets/keys.ts) and the revoked kids.
 */
export const gatePublicKeys = (db: Knex, now: Date) => gateKeys(db, now);
