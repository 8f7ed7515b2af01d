import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { GateDevice } from '../checkin/devices.js';
import { areaTimezone } from '../checkin/entrance-rules.js';
import { presenceOf } from '../checkin/presence.js';
import type { JournalEntry, JournalResult, PrecheckRequest, Presence } from '../checkin/protocol.js';
import { DISPLAY, type CheckinReason } from '../checkin/reasons.js';
import type { ComboBookingRow, TicketRow } from '../db/tables.js';
import { localTime } from '../time.js';

/**
 * Redemption at a component's scan point (issue 18): a gate device in the role of one
 * component's door (combo_scan_points) admits a ticket that includes that component,
 * once. It never counts an entry to the area (an entrance gate never redeems a component:
 * core/checkin knows nothing of them). Its answers use the gate protocol's reasons, so
 * an unchanged gate agent shows them:
 *   ok · already_redeemed · not_allowed_for_device (the ticket has no such component)
 *   not_issued (unpaid) · revoked (refunded, void, or this component refunded)
 *   wrong_area · wrong_date · unknown_ticket
 * The redemption happens at precheck, in one transaction with the booking row locked:
 * two doors scanning the same ticket at once admit it once.
 */
export interface ScanPoint {
  gateId: string;
  areaId: string;
  componentId: string;
}

/** The component a gate device redeems, if it is a scan point. */
export async function scanPointOf(db: Knex, gate: GateDevice): Promise<ScanPoint | undefined> {
  const row = await db('combo_scan_points').where({ gate_id: gate.id, area_id: gate.areaId }).first();
  return row ? { gateId: row.gate_id, areaId: row.area_id, componentId: row.component_id } : undefined;
}

type Ticket = Pick<TicketRow, 'id' | 'area_id' | 'status'>;

/** The pure rule: whether this booking of this ticket may go through this door today. */
export function decideRedemption(
  ticket: Ticket | undefined,
  booking: Pick<ComboBookingRow, 'status' | 'visit_date'> | undefined,
  at: { areaId: string; today: string },
): CheckinReason {
  if (!ticket) return 'unknown_ticket';
  if (ticket.area_id !== at.areaId) return 'wrong_area';
  if (!booking) return 'not_allowed_for_device';
  if (ticket.status === 'pending') return 'not_issued';
  if (ticket.status !== 'valid' || booking.status === 'refunded' || booking.status === 'void')
    return 'revoked';
  if (booking.status === 'redeemed') return 'already_redeemed';
  if (booking.visit_date !== at.today) return 'wrong_date';
  return 'ok';
}

export interface RedemptionAnswer {
  admit: boolean;
  reason: CheckinReason;
  display: string;
  presence: Presence;
  /** the component and the session the ticket holds on it, for the door's screen */
  component?: { id: string; sessionId: string };
}

async function redeemOne(
  trx: Knex.Transaction,
  sp: ScanPoint,
  scan: { scanId: string; ticketId: string; at: Date },
  today: string,
  now: Date,
): Promise<{ reason: CheckinReason; booking?: ComboBookingRow }> {
  const ticket = await trx('tickets').where({ id: scan.ticketId }).first('id', 'area_id', 'status');
  const booking = ticket
    ? await trx('combo_bookings')
        .where({ ticket_id: ticket.id, component_id: sp.componentId })
        .forUpdate()
        .first()
    : undefined;
  const reason = decideRedemption(ticket, booking, { areaId: sp.areaId, today });
  if (reason === 'ok')
    await trx('combo_bookings')
      .where({ id: booking!.id })
      .update({ status: 'redeemed', redeemed_at: scan.at, redeemed_gate: sp.gateId });
  await trx('combo_scans').insert({
    scan_id: scan.scanId,
    gate_id: sp.gateId,
    area_id: sp.areaId,
    component_id: sp.componentId,
    ticket_id: scan.ticketId,
    booking_id: booking?.id ?? null,
    decision: reason === 'ok' ? 'admit' : 'refuse',
    reason,
    scanned_at: scan.at,
    received_at: now,
  });
  return { reason, booking };
}

/** A scan at the door: admits and redeems, or refuses with the reason; a repeated scan id answers as before. */
export async function redeemAtScanPoint(
  db: Knex,
  sp: ScanPoint,
  req: PrecheckRequest,
  clock: Clock,
): Promise<RedemptionAnswer> {
  const { timezone, instantCapacity } = await areaTimezone(db, sp.areaId);
  const now = clock.now();
  const today = localTime(now, timezone).date;
  const scanId = req.scanId.toLowerCase();
  return db.transaction(async (trx) => {
    const prior = await trx('combo_scans').where({ scan_id: scanId, gate_id: sp.gateId }).first();
    let reason: CheckinReason;
    let booking: Pick<ComboBookingRow, 'component_id' | 'session_id'> | undefined;
    if (prior) {
      reason = prior.reason as CheckinReason;
      booking = prior.booking_id
        ? await trx('combo_bookings').where({ id: prior.booking_id }).first()
        : undefined;
    } else
      ({ reason, booking } = await redeemOne(
        trx,
        sp,
        { scanId, ticketId: req.ticketId.toLowerCase(), at: new Date(req.at) },
        today,
        now,
      ));
    return {
      admit: reason === 'ok',
      reason,
      display: DISPLAY[reason],
      presence: await presenceOf(trx, sp.areaId, today, instantCapacity),
      ...(booking ? { component: { id: booking.component_id, sessionId: booking.session_id } } : {}),
    };
  });
}

/**
 * A scan point's journal: what was decided online is already redeemed (its scan id is
 * known: a duplicate); an offline admit is redeemed now if it still may be, else kept
 * with the reason it would have been refused. Nothing is counted as an area entry.
 */
export async function ingestScanPointJournal(
  db: Knex,
  sp: ScanPoint,
  entries: readonly JournalEntry[],
  clock: Clock,
): Promise<JournalResult> {
  const { timezone, instantCapacity } = await areaTimezone(db, sp.areaId);
  const now = clock.now();
  const today = localTime(now, timezone).date;
  let accepted = 0;
  let duplicates = 0;
  await db.transaction(async (trx) => {
    for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
      const scanId = e.scanId.toLowerCase();
      if (await trx('combo_scans').where({ scan_id: scanId }).first('scan_id')) {
        duplicates++;
        continue;
      }
      accepted++;
      if (e.decision !== 'admit' || !e.ticketId) continue;
      await redeemOne(
        trx,
        sp,
        { scanId, ticketId: e.ticketId.toLowerCase(), at: new Date(e.at) },
        today,
        now,
      );
    }
  });
  return {
    accepted,
    duplicates,
    lastSeq: Math.max(0, ...entries.map((e) => e.seq)),
    presence: await presenceOf(db, sp.areaId, today, instantCapacity),
  };
}
