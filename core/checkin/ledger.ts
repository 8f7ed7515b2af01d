import type { Knex } from 'knex';
import { staffChecks, type Eligibility, type StaffCheck } from '../catalog/eligibility.js';
import type { CheckinFlagRow, CheckinScanRow, ProductRow, TicketRow } from '../db/tables.js';
import type { Clock } from '../clock.js';
import { notFound } from '../errors.js';
import { actorName, type Actor } from '../orders/model.js';
import { auditChange } from '../audit/store.js';
import type { GateDevice } from './devices.js';
import { areaTimezone, loadEntranceRules } from './entrance-rules.js';
import { localTime, hhmmToMinutes } from '../time.js';
import { CountDeltas, presenceOf } from './presence.js';
import type { JournalEntry, JournalResult, PrecheckRequest, Presence } from './protocol.js';
import { DISPLAY } from './reasons.js';
import { decideEntry, type Decision } from './rules.js';
import { countedPassEntries, type EntryRule } from '../passes/model.js';
import { passGateDays } from '../passes/store.js';
import { countGroupEntries } from '../groups/entries.js';
import type { MaskedParty } from '../groups/model.js';

/**
 * The redemption ledger (server side of gate sync).
 *
 * Every scan a gate decided is stored once, keyed by its scan id. For each ticket,
 * its admitted entries are ordered by (scanned_at, scan_id); the first
 * `entries_allowed` count as redemptions, any further one is `over_limit` and the
 * ticket gets a `double_entry` flag for staff. The order is a property of the scans,
 * not of their arrival, so the outcome is the same whatever order gates upload in;
 * in-park figures count each ticket at most `entries_allowed` times.
 *
 * A re-entry product's allowance is of holders inside at once: its entries and the
 * exits scanned with it are walked in time order, an entry counts while fewer than
 * `entries_allowed` are inside, and one beyond that is the double entry. Matched exits
 * are `exits_used`.
 */

type ExistingScan = Pick<
  CheckinScanRow,
  | 'scan_id'
  | 'gate_id'
  | 'source'
  | 'decision'
  | 'direction'
  | 'counted'
  | 'local_date'
  | 'entrance_id'
  | 'scanned_at'
  | 'ticket_id'
>;

const actorOf = (gate: GateDevice) => `gate:${gate.id}`;

/** Ingests a batch of a gate's journal; idempotent by scan id. */
export async function ingestJournal(
  db: Knex,
  gate: GateDevice,
  entries: readonly JournalEntry[],
  clock: Clock,
): Promise<JournalResult> {
  const { timezone, instantCapacity } = await areaTimezone(db, gate.areaId);
  const now = clock.now();
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  return db.transaction(async (trx) => {
    const deltas = new CountDeltas();
    const touched = new Set<string>();
    // A gate speaks only for its own area: a ticket id of another area (a stolen or
    // misconfigured device) is stored as an unknown ticket and touches no ticket's count.
    const named = [...new Set(sorted.flatMap((e) => (e.ticketId ? [e.ticketId.toLowerCase()] : [])))];
    const ours = new Set<string>(
      named.length
        ? await trx('tickets').whereIn('id', named).where({ area_id: gate.areaId }).pluck('id')
        : [],
    );
    const foreign = named.filter((id) => !ours.has(id));
    if (foreign.length)
      await trx('audit_log').insert({
        at: now,
        actor: actorOf(gate),
        action: 'scenic.checkin.foreign_tickets',
        subject: `gate:${gate.id}`,
        data: { count: foreign.length },
      });
    const rows = sorted.map((e) => ({
      scan_id: e.scanId.toLowerCase(),
      gate_id: gate.id,
      area_id: gate.areaId,
      entrance_id: gate.entranceId,
      seq: e.seq,
      local_date: localTime(new Date(e.at), timezone).date,
      scanned_at: new Date(e.at),
      received_at: now,
      media: e.media,
      direction: e.direction,
      ticket_id: e.ticketId && ours.has(e.ticketId.toLowerCase()) ? e.ticketId.toLowerCase() : null,
      decision: e.decision,
      reason: e.reason,
      mode: e.mode,
      source: 'journal' as const,
      persons: e.persons ?? null,
    }));
    const inserted = new Set<string>();
    for (let i = 0; i < rows.length; i += 500) {
      const got = await trx('checkin_scans')
        .insert(rows.slice(i, i + 500))
        .onConflict('scan_id')
        .ignore()
        .returning('scan_id');
      for (const r of got) inserted.add(r.scan_id);
    }
    let accepted = inserted.size;
    let duplicates = 0;
    const releasedExits: string[] = [];
    for (const r of rows) {
      if (!inserted.has(r.scan_id)) continue;
      if (r.decision !== 'admit') continue;
      if (r.direction === 'in') {
        deltas.addFlow(r.entrance_id, r.scanned_at, 1, 0);
        if (r.ticket_id) touched.add(r.ticket_id);
      } else {
        deltas.addFlow(r.entrance_id, r.scanned_at, 0, 1);
        if (r.ticket_id) {
          // counted in the in-park figure only once matched to an entry (recomputeTickets)
          releasedExits.push(r.ticket_id);
          touched.add(r.ticket_id);
        } else deltas.addPresence(r.local_date, 0, 1); // a sensor passage; bounded by entries (CountDeltas)
      }
    }
    const rest = rows.filter((r) => !inserted.has(r.scan_id));
    if (rest.length) {
      const existing = await trx('checkin_scans')
        .whereIn(
          'scan_id',
          rest.map((r) => r.scan_id),
        )
        .forUpdate()
        .select<ExistingScan[]>(
          'scan_id',
          'gate_id',
          'source',
          'decision',
          'direction',
          'counted',
          trx.raw('local_date::text as local_date'),
          'entrance_id',
          'scanned_at',
          'ticket_id',
        );
      const byId = new Map(existing.map((x) => [x.scan_id, x]));
      for (const r of rest) {
        const ex = byId.get(r.scan_id);
        // A pre-checked scan is confirmed (or corrected) by the gate's journal: what the
        // turnstile actually did wins over what the centre answered.
        if (!ex || ex.gate_id !== gate.id || ex.source !== 'precheck') {
          duplicates++;
          continue;
        }
        accepted++;
        await trx('checkin_scans')
          .where({ scan_id: r.scan_id })
          .update({ seq: r.seq, decision: r.decision, reason: r.reason, mode: r.mode, source: 'journal' });
        if (ex.decision !== r.decision && ex.direction === 'in') {
          const d = r.decision === 'admit' ? 1 : -1;
          deltas.addFlow(ex.entrance_id, ex.scanned_at, d, 0);
          if (ex.ticket_id) touched.add(ex.ticket_id);
        }
      }
    }
    await recomputeTickets(trx, [...touched], deltas, gate, now);
    await publishReleases(trx, releasedExits, now);
    await deltas.apply(trx, gate.areaId);
    const lastSeq = rows.length ? rows[rows.length - 1]!.seq : 0;
    await trx('gate_devices')
      .where({ id: gate.id })
      .update({ last_seq: trx.raw('greatest(last_seq, ?)', [lastSeq]), last_sync_at: now });
    const presence = await presenceOf(trx, gate.areaId, localTime(now, timezone).date, instantCapacity);
    return { accepted, duplicates, lastSeq, presence };
  });
}

/** A ticket of the ledger, with whether its product allows re-entry. */
type TicketLedgerRow = Pick<
  TicketRow,
  'id' | 'area_id' | 'status' | 'entries_allowed' | 'entries_used' | 'exits_used' | 'units'
> &
  Pick<ProductRow, 'reentry'> & {
    /** an annual pass's entry rule (core/passes); null: not a pass */
    pass_rule: EntryRule | null;
    /** a group ticket (core/groups): entries counted in persons */
    is_group: boolean;
  };

/** An entry scan of a ticket (selected by ticket id: never without one). */
type AdmitRow = Pick<
  CheckinScanRow,
  | 'scan_id'
  | 'gate_id'
  | 'counted'
  | 'over_limit'
  | 'decision'
  | 'scanned_at'
  | 'local_date'
  | 'persons'
  | 'persons_counted'
> & { ticket_id: string };

/**
 * Re-derives, for each ticket, which admitted entries count and whether it is
 * over its allowance. Tickets are locked in id order (no deadlocks between gates).
 */
async function recomputeTickets(
  trx: Knex.Transaction,
  ticketIds: string[],
  deltas: CountDeltas,
  gate: GateDevice,
  now: Date,
): Promise<void> {
  const ids = [...new Set(ticketIds)].sort();
  if (!ids.length) return;
  const tickets = await trx('tickets as t')
    .leftJoin('products as p', (j) => j.on('p.area_id', 't.area_id').andOn('p.id', 't.product_id'))
    .whereIn('t.id', ids)
    .orderBy('t.id')
    .forUpdate('t')
    .select<TicketLedgerRow[]>(
      't.id',
      't.area_id',
      't.status',
      't.entries_allowed',
      't.entries_used',
      't.exits_used',
      't.units',
      trx.raw('coalesce(p.reentry, false) as reentry'),
      trx.raw('(t.group_masked is not null) as is_group'),
      trx.raw(`(select coalesce(pt.terms->>'entryRule', 'once_a_day') from passes ps
                 left join pass_terms pt on pt.area_id = ps.area_id and pt.product_id = ps.product_id
                where ps.ticket_id = t.id) as pass_rule`),
    );
  const exits = await trx('checkin_scans')
    .whereIn('ticket_id', ids)
    .where({ direction: 'out', decision: 'admit' })
    .select<{ scan_id: string; ticket_id: string; scanned_at: Date; local_date: string }[]>(
      'scan_id',
      'ticket_id',
      'scanned_at',
      trx.raw('local_date::text as local_date'),
    );
  const scans = await trx('checkin_scans')
    .whereIn('ticket_id', ids)
    .where({ direction: 'in' })
    .andWhere(
      (q) => void q.where({ decision: 'admit' }).orWhere({ counted: true }).orWhere({ over_limit: true }),
    )
    .orderBy([{ column: 'ticket_id' }, { column: 'scanned_at' }, { column: 'scan_id' }])
    .select<AdmitRow[]>(
      'scan_id',
      'ticket_id',
      'gate_id',
      'counted',
      'over_limit',
      'decision',
      'scanned_at',
      trx.raw('local_date::text as local_date'),
      'persons',
      'persons_counted',
    );
  const byTicket = new Map<string, AdmitRow[]>();
  for (const s of scans) byTicket.set(s.ticket_id, [...(byTicket.get(s.ticket_id) ?? []), s]);
  for (const t of tickets) {
    const all = byTicket.get(t.id) ?? [];
    if (t.is_group) {
      await recomputeGroup(
        trx,
        t,
        all,
        exits.filter((x) => x.ticket_id === t.id),
        deltas,
        gate,
        now,
      );
      continue;
    }
    const list = all.filter((s) => s.decision === 'admit');
    const allowed = t.entries_allowed;
    const mine = exits.filter((x) => x.ticket_id === t.id);
    const { countedIds, exitsMatched } = t.pass_rule
      ? passEntries(list, mine.length, t.units, t.pass_rule)
      : t.reentry
        ? countReentries(list, mine, allowed)
        : matchExits(list.slice(0, allowed), mine.length, t.units);
    // Exits scanned with the ticket reach the in-park figure only as far as they match its
    // counted entries (17.2): scanning one ticket on the way out a hundred times is one exit.
    if (exitsMatched !== t.exits_used) {
      const day = mine.reduce((a, x) => (x.local_date > a ? x.local_date : a), mine[0]?.local_date ?? '');
      if (day) deltas.addPresence(day, 0, exitsMatched - t.exits_used);
    }
    const isCounted = new Set(countedIds);
    const over = list.length - countedIds.length;
    let changed = false;
    // A pre-checked admit that the gate's journal turned into a deny stops counting.
    for (const s of all) {
      if (s.decision === 'deny' && (s.counted || s.over_limit)) {
        changed = true;
        if (s.counted) deltas.addPresence(s.local_date, -t.units, 0);
        await trx('checkin_scans')
          .where({ scan_id: s.scan_id })
          .update({ counted: false, over_limit: false });
      }
    }
    list.forEach((s) => {
      const counted = isCounted.has(s.scan_id);
      if (counted !== s.counted) {
        changed = true;
        deltas.addPresence(s.local_date, counted ? t.units : -t.units, 0);
      }
    });
    if (changed || over > 0) {
      await trx('checkin_scans')
        .where({ ticket_id: t.id, direction: 'in', decision: 'admit' })
        .update({
          counted: trx.raw('scan_id = any(?::uuid[])', [countedIds]),
          over_limit: trx.raw('not (scan_id = any(?::uuid[]))', [countedIds]),
        });
    }
    const used = countedIds.length;
    if (used !== t.entries_used || exitsMatched !== t.exits_used)
      await trx('tickets').where({ id: t.id }).update({ entries_used: used, exits_used: exitsMatched });
    // A flag can only appear with admits beyond the allowance, or clear after a correction.
    if (over > 0 || all.some((s) => s.over_limit)) await updateFlag(trx, t, list, over > 0, gate, now);
    if (list.length && NOT_ADMITTING.has(t.status)) await flagUsedAfterRefund(trx, t, list, gate, now);
  }
}

/**
 * A group ticket (core/groups): its entries are persons. Each admitted scan counts the
 * persons that still fit in the party (countGroupEntries, in scan order), the in-park figure
 * moves by the persons counted, and a scan that let more through is the double entry.
 */
async function recomputeGroup(
  trx: Knex.Transaction,
  t: TicketLedgerRow,
  all: AdmitRow[],
  exits: { local_date: string }[],
  deltas: CountDeltas,
  gate: GateDevice,
  now: Date,
): Promise<void> {
  const list = all.filter((s) => s.decision === 'admit');
  const { counted, overIds, entered } = countGroupEntries(list, t.units);
  const over = new Set(overIds);
  for (const s of all) {
    const was = s.counted ? (s.persons_counted ?? 0) : 0;
    const take = counted.get(s.scan_id) ?? 0; // a deny (a corrected pre-check) counts nobody
    if (take !== was) deltas.addPresence(s.local_date, take - was, 0);
    const isOver = over.has(s.scan_id);
    if (take !== was || s.counted !== take > 0 || s.over_limit !== isOver)
      await trx('checkin_scans')
        .where({ scan_id: s.scan_id })
        .update({ counted: take > 0, over_limit: isOver, persons_counted: take });
  }
  const exitsMatched = Math.min(exits.length, entered);
  if (exitsMatched !== t.exits_used) {
    const day = exits.reduce((a, x) => (x.local_date > a ? x.local_date : a), exits[0]?.local_date ?? '');
    if (day) deltas.addPresence(day, 0, exitsMatched - t.exits_used);
  }
  if (entered !== t.entries_used || exitsMatched !== t.exits_used)
    await trx('tickets').where({ id: t.id }).update({ entries_used: entered, exits_used: exitsMatched });
  if (over.size > 0 || all.some((s) => s.over_limit))
    await updateFlag(trx, t, list, over.size > 0, gate, now);
  if (list.length && NOT_ADMITTING.has(t.status)) await flagUsedAfterRefund(trx, t, list, gate, now);
}

/** Statuses a gate must refuse: an admit on one was decided offline before the gate heard of it. */
const NOT_ADMITTING = new Set<TicketLedgerRow['status']>(['refunded', 'rescheduled', 'void']);

/**
 * Issue 17.4: an offline gate admitted a ticket, and before its journal arrived the ticket
 * was refunded or rescheduled (the centre had not seen the entry, so it allowed both). The
 * entry still counts (the visitor is inside), but the ticket gets a `used_after_refund`
 * flag next to the double entries, with an audit line and an outbox event, once per ticket;
 * `scenic_used_after_refund_open` and the ScenicUsedAfterRefund alert follow the open flags.
 */
async function flagUsedAfterRefund(
  trx: Knex.Transaction,
  t: TicketLedgerRow,
  list: AdmitRow[],
  gate: GateDevice,
  now: Date,
): Promise<void> {
  const scanIds = list.map((s) => s.scan_id);
  const gateIds = [...new Set(list.map((s) => s.gate_id))].sort();
  const opened = await trx.raw<{ rows: { id: number; inserted: boolean }[] }>(
    `insert into checkin_flags (ticket_id, kind, area_id, entries_allowed, entries_seen, scan_ids, gate_ids, status, created_at, updated_at)
     values (?, 'used_after_refund', ?, ?, ?, ?::uuid[], ?::text[], 'open', ?, ?)
     on conflict (ticket_id, kind) do update set
       entries_seen = excluded.entries_seen, scan_ids = excluded.scan_ids, gate_ids = excluded.gate_ids,
       updated_at = excluded.updated_at
     returning id, (xmax = 0) as inserted`,
    [t.id, t.area_id, t.entries_allowed, list.length, scanIds, gateIds, now, now],
  );
  if (!opened.rows[0]?.inserted) return;
  const data = { ticketId: t.id, areaId: t.area_id, status: t.status, scanIds, gateIds };
  await trx('audit_log').insert({
    at: now,
    actor: actorOf(gate),
    action: 'scenic.checkin.used_after_refund',
    subject: `ticket:${t.id}`,
    data,
  });
  await trx('outbox').insert({
    topic: 'checkin.used_after_refund',
    aggregate_id: t.id,
    payload: data,
    created_at: now,
  });
}

/** An annual pass counts its entries per day (core/passes), not against one allowance for good. */
function passEntries(
  list: readonly AdmitRow[],
  exits: number,
  units: number,
  rule: EntryRule,
): { countedIds: string[]; exitsMatched: number } {
  const ids = new Set(countedPassEntries(list, rule));
  return matchExits(
    list.filter((s) => ids.has(s.scan_id)),
    exits,
    units,
  );
}

/**
 * A ticket without re-entry: its first `allowed` entries count, and its exits match at
 * most the persons those entries let in.
 */
export function matchExits(
  counted: readonly { scan_id: string }[],
  exits: number,
  units: number,
): { countedIds: string[]; exitsMatched: number } {
  return { countedIds: counted.map((s) => s.scan_id), exitsMatched: Math.min(exits, counted.length * units) };
}

/**
 * A re-entry ticket's entries and exits in time order: an entry counts while fewer than
 * `allowed` holders are inside; an exit lets one out (an exit with nobody inside matches
 * nothing). Ties between an entry and an exit at the same instant take the exit first.
 */
export function countReentries(
  entries: readonly { scan_id: string; scanned_at: Date }[],
  exits: readonly { scan_id: string; scanned_at: Date }[],
  allowed: number,
): { countedIds: string[]; exitsMatched: number } {
  const events = [
    ...entries.map((e) => ({ ...e, kind: 'in' as const })),
    ...exits.map((e) => ({ ...e, kind: 'out' as const })),
  ].sort(
    (a, b) =>
      a.scanned_at.getTime() - b.scanned_at.getTime() ||
      (a.kind === b.kind ? (a.scan_id < b.scan_id ? -1 : 1) : a.kind === 'out' ? -1 : 1),
  );
  let inside = 0;
  let exitsMatched = 0;
  const countedIds: string[] = [];
  for (const e of events) {
    if (e.kind === 'out') {
      if (inside > 0) {
        inside--;
        exitsMatched++;
      }
    } else if (inside < allowed) {
      inside++;
      countedIds.push(e.scan_id);
    }
  }
  return { countedIds, exitsMatched };
}

/**
 * Opens, updates or clears the ticket's double-entry flag. Staff and alerting hear of
 * every change of state (opened, re-opened, cleared), not only of the first opening:
 * journals arrive in any order, a flag raised by an entry can be cleared by an exit
 * uploaded later, and the trail must say so. (The ticket row is locked by the caller,
 * so reading the flag's state first is race-free.)
 */
async function updateFlag(
  trx: Knex.Transaction,
  t: TicketLedgerRow,
  list: AdmitRow[],
  over: boolean,
  gate: GateDevice,
  now: Date,
): Promise<void> {
  const emit = async (event: 'double_entry' | 'double_entry_cleared', data: Record<string, unknown>) => {
    await trx('audit_log').insert({
      at: now,
      actor: actorOf(gate),
      action: `scenic.checkin.${event}`,
      subject: `ticket:${t.id}`,
      data,
    });
    await trx('outbox').insert({
      topic: `checkin.${event}`,
      aggregate_id: t.id,
      payload: data,
      created_at: now,
    });
  };
  if (!over) {
    const cleared = await trx('checkin_flags')
      .where({ ticket_id: t.id, kind: 'double_entry', status: 'open' })
      .update({ status: 'cleared', entries_seen: list.length, updated_at: now });
    if (cleared)
      await emit('double_entry_cleared', {
        ticketId: t.id,
        areaId: t.area_id,
        entriesAllowed: t.entries_allowed,
        entriesSeen: list.length,
      });
    return;
  }
  const before = await trx('checkin_flags').where({ ticket_id: t.id, kind: 'double_entry' }).first('status');
  const scanIds = list.map((s) => s.scan_id);
  const gateIds = [...new Set(list.map((s) => s.gate_id))].sort();
  await trx.raw(
    `insert into checkin_flags (ticket_id, kind, area_id, entries_allowed, entries_seen, scan_ids, gate_ids, status, created_at, updated_at)
     values (?, 'double_entry', ?, ?, ?, ?::uuid[], ?::text[], 'open', ?, ?)
     on conflict (ticket_id, kind) do update set
       entries_allowed = excluded.entries_allowed, entries_seen = excluded.entries_seen, scan_ids = excluded.scan_ids,
       gate_ids = excluded.gate_ids, updated_at = excluded.updated_at,
       status = case when checkin_flags.status = 'cleared' then 'open' else checkin_flags.status end`,
    [t.id, t.area_id, t.entries_allowed, list.length, scanIds, gateIds, now, now],
  );
  if (!before || before.status === 'cleared')
    await emit('double_entry', {
      ticketId: t.id,
      areaId: t.area_id,
      entriesAllowed: t.entries_allowed,
      entriesSeen: list.length,
      scanIds,
      gateIds,
    });
}

/** Exits of tickets whose product releases capacity on exit: an event for inventory. */
async function publishReleases(trx: Knex.Transaction, ticketIds: string[], now: Date): Promise<void> {
  if (!ticketIds.length) return;
  const rows = await trx('tickets as t')
    .join('products as p', (j) => j.on('p.area_id', 't.area_id').andOn('p.id', 't.product_id'))
    .whereIn('t.id', ticketIds)
    .andWhere('p.release_on_exit', true)
    .select<{ id: string; area_id: string; visit_date: string; slot_id: string; units: number }[]>(
      't.id',
      't.area_id',
      trx.raw('t.visit_date::text as visit_date'),
      't.slot_id',
      't.units',
    );
  for (const r of rows) {
    await trx('outbox').insert({
      topic: 'ticket.capacity_released',
      aggregate_id: r.id,
      payload: {
        ticketId: r.id,
        areaId: r.area_id,
        date: r.visit_date,
        slotId: r.slot_id,
        units: r.units,
        reason: 'exit',
      },
      created_at: now,
    });
  }
}

/** A ticket with its slot's window and its product's date binding (left joins: may be missing). */
type PrecheckTicketRow = Pick<
  TicketRow,
  | 'id'
  | 'area_id'
  | 'product_id'
  | 'visit_date'
  | 'status'
  | 'entries_allowed'
  | 'entries_used'
  | 'exits_used'
  | 'units'
  | 'id_type'
  | 'group_masked'
> & {
  starts_at: string | null;
  ends_at: string | null;
  date_bound: boolean;
  /** the last local date an open-dated ticket is valid (17.12) */
  valid_until: string;
  kind: string | null;
  eligibility: Eligibility | null;
};

export interface PrecheckOutcome {
  decision: Decision;
  display: string;
  presence: Presence;
  /** what staff must check on the traveller before letting them through (17.11); empty on a deny */
  staffChecks: StaffCheck[];
  /** an admitted annual pass holder goes to the priority lane (core/passes) */
  priorityLane?: boolean;
  /** a group ticket (core/groups): its party (masked) and the persons through now and still outside */
  group?: { size: number; persons: number; entered: number; remaining: number; members: string[] };
}

/** The staff checks of an admitted ticket (its product's, plus an age document for an ID without a birth date). */
const checksOf = (t: PrecheckTicketRow | undefined, d: Decision): StaffCheck[] =>
  t && d.admit && t.kind ? staffChecks({ kind: t.kind, eligibility: t.eligibility }, t.id_type) : [];

/**
 * The online check-in: a gate asks before opening. The ticket row is locked, so two
 * gates asking about one ticket at once get one admit and one `already_redeemed`. An
 * admit is recorded at once (scan source `precheck`); the gate's journal row with the
 * same scan id later confirms or corrects it.
 */
export async function precheck(
  db: Knex,
  gate: GateDevice,
  req: PrecheckRequest,
  clock: Clock,
): Promise<PrecheckOutcome> {
  const rules = await loadEntranceRules(db, gate.areaId, gate.entranceId);
  const now = clock.now();
  const today = localTime(now, rules.timezone).date;
  const scanId = req.scanId.toLowerCase();
  return db.transaction(async (trx) => {
    const prior = await trx('checkin_scans')
      .where({ scan_id: scanId })
      .first('decision', 'reason', 'gate_id', 'ticket_id');
    if (prior && prior.gate_id === gate.id) {
      const decision: Decision =
        prior.decision === 'admit'
          ? { admit: true, reason: 'ok' }
          : { admit: false, reason: prior.reason === 'ok' ? 'unknown_ticket' : prior.reason };
      const seen = prior.ticket_id ? await precheckTicket(trx, prior.ticket_id, false) : undefined;
      return {
        decision,
        display: DISPLAY[decision.reason],
        presence: await presenceOf(trx, gate.areaId, today, rules.instantCapacity),
        staffChecks: checksOf(seen, decision),
      };
    }
    const t = await precheckTicket(trx, req.ticketId.toLowerCase());
    const before = await presenceOf(trx, gate.areaId, today, rules.instantCapacity);
    // an annual pass: today's rule, blackout and busy-day booking, today's entries (core/passes)
    const pass = t ? (await passGateDays(trx, [t.id], today)).get(t.id) : undefined;
    const decision: Decision = t
      ? decideEntry({
          ticket: {
            ticketId: t.id,
            areaId: t.area_id,
            productId: t.product_id,
            date: t.date_bound ? t.visit_date : null,
            validUntil: t.date_bound ? null : t.valid_until,
            slotStartMin: t.starts_at ? hhmmToMinutes(t.starts_at) : 0,
            slotEndMin: t.ends_at ? hhmmToMinutes(t.ends_at) : 24 * 60,
            entriesAllowed: t.entries_allowed,
            units: t.units,
            pass: pass?.day ?? null,
            group: t.group_masked ? { size: t.group_masked.size } : null,
          },
          state: {
            status: t.status,
            entriesUsed: pass ? pass.countedToday : t.entries_used,
            exitsUsed: t.exits_used,
          },
          rules,
          now,
          inPark: before.inPark,
          persons: req.persons,
        })
      : { admit: false, reason: 'unknown_ticket' };
    // a group's scan lets n of its persons through: asked, or all still outside (core/groups)
    const persons = t?.group_masked ? (req.persons ?? Math.max(0, t.units - t.entries_used)) : null;
    const at = new Date(req.at);
    const localDate = localTime(at, rules.timezone).date;
    await trx('checkin_scans')
      .insert({
        scan_id: scanId,
        gate_id: gate.id,
        area_id: gate.areaId,
        entrance_id: gate.entranceId,
        seq: null,
        local_date: localDate,
        scanned_at: at,
        received_at: now,
        media: req.media,
        direction: 'in',
        ticket_id: t ? t.id : null,
        decision: decision.admit ? 'admit' : 'deny',
        reason: decision.reason,
        mode: 'online',
        source: 'precheck',
        persons,
      })
      .onConflict('scan_id')
      .ignore();
    const deltas = new CountDeltas();
    if (decision.admit && t) {
      deltas.addFlow(gate.entranceId, at, 1, 0);
      await recomputeTickets(trx, [t.id], deltas, gate, now);
    }
    await deltas.apply(trx, gate.areaId);
    const presence = await presenceOf(trx, gate.areaId, today, rules.instantCapacity);
    return {
      decision,
      display: DISPLAY[decision.reason],
      presence,
      staffChecks: checksOf(t, decision),
      ...(pass?.day.priorityLane && decision.admit ? { priorityLane: true } : {}),
      ...(t?.group_masked
        ? { group: groupAnswer(t, t.group_masked, decision.admit ? (persons ?? 0) : 0) }
        : {}),
    };
  });
}

/** What the gate shows of a group's scan: the party's size and masked names, who went through, who is left. */
function groupAnswer(t: PrecheckTicketRow, party: MaskedParty, persons: number) {
  const entered = Math.min(t.units, t.entries_used + persons);
  return {
    size: party.size,
    persons,
    entered,
    remaining: t.units - entered,
    members: party.members.map((m) => m.name),
  };
}

/** The ticket a gate asks about, with its slot's window and its product (locked unless only read again). */
async function precheckTicket(
  trx: Knex.Transaction,
  ticketId: string,
  lock = true,
): Promise<PrecheckTicketRow | undefined> {
  const { rows } = await trx.raw<{ rows: PrecheckTicketRow[] }>(
    `select t.id, t.area_id, t.product_id, t.visit_date::text as visit_date, t.status, t.entries_allowed, t.entries_used, t.exits_used, t.units, t.id_type, t.group_masked, s.starts_at, s.ends_at,
            (coalesce(p.date_bound, true) and not exists (select 1 from passes ps where ps.ticket_id = t.id)) as date_bound,
            p.kind, p.eligibility,
            coalesce(pass_valid_until(t.id), t.visit_date + (coalesce(p.validity_days, 1) - 1))::text as valid_until
       from tickets t left join time_slots s on s.area_id = t.area_id and s.id = t.slot_id
       left join products p on p.area_id = t.area_id and p.id = t.product_id
      where t.id = ?${lock ? ' for update of t' : ''}`,
    [ticketId],
  );
  return rows[0];
}

export interface DoubleEntryFlag {
  id: number;
  ticketId: string;
  areaId: string;
  entriesAllowed: number;
  entriesSeen: number;
  scanIds: string[];
  gateIds: string[];
  status: CheckinFlagRow['status'];
  resolvedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const flagView = (r: CheckinFlagRow): DoubleEntryFlag => ({
  id: r.id,
  ticketId: r.ticket_id,
  areaId: r.area_id,
  entriesAllowed: r.entries_allowed,
  entriesSeen: r.entries_seen,
  scanIds: r.scan_ids,
  gateIds: r.gate_ids,
  status: r.status,
  resolvedBy: r.resolved_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Double entries for the staff console. */
export function listDoubleEntries(
  db: Knex,
  areaId: string,
  status?: DoubleEntryFlag['status'],
): Promise<DoubleEntryFlag[]> {
  return listCheckinFlags(db, areaId, 'double_entry', status);
}

/** Tickets used after a refund or reschedule (17.4), for the staff console. */
export function listUsedAfterRefund(
  db: Knex,
  areaId: string,
  status?: DoubleEntryFlag['status'],
): Promise<DoubleEntryFlag[]> {
  return listCheckinFlags(db, areaId, 'used_after_refund', status);
}

async function listCheckinFlags(
  db: Knex,
  areaId: string,
  kind: CheckinFlagRow['kind'],
  status?: DoubleEntryFlag['status'],
): Promise<DoubleEntryFlag[]> {
  const q = db('checkin_flags').where({ area_id: areaId, kind }).orderBy('id');
  if (status) void q.andWhere({ status });
  const rows = await q.select('*');
  return rows.map(flagView);
}

/**
 * Staff closes a flag of its area after looking into it, with a note; audited with the
 * flag's state before and after. A flag of another area is not found; resolving a
 * resolved flag changes nothing.
 */
export async function resolveDoubleEntry(
  db: Knex,
  actor: Actor,
  areaId: string,
  flagId: number,
  note: string,
  clock: Clock,
): Promise<DoubleEntryFlag> {
  return db.transaction(async (trx) => {
    const row = await trx('checkin_flags').where({ id: flagId, area_id: areaId }).forUpdate().first();
    if (!row) throw notFound('flag_not_found', `area ${areaId} has no flag ${flagId}`);
    if (row.status === 'resolved') return flagView(row);
    const [updated] = await trx('checkin_flags')
      .where({ id: flagId })
      .update({ status: 'resolved', resolved_by: actorName(actor), updated_at: clock.now() })
      .returning('*');
    const after = flagView(updated!);
    await auditChange(
      trx,
      actor,
      {
        action: 'scenic.checkin.flag_resolved',
        subject: `checkin_flag:${flagId}`,
        areaId,
        before: { status: row.status },
        after: { status: after.status, resolvedBy: actorName(actor) },
      },
      { note, ticketId: row.ticket_id },
    );
    return after;
  });
}
