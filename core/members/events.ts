import type { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import type { MemberAccountRow, MemberPointsRow } from '../db/tables.js';
import { loadSettings, type MemberRule, type MemberSettings } from './settings.js';
import { levelFor, rulesReached, shareOf } from './rules.js';

/**
 * What the members worker applies (workers/members.ts), read from the books: a member
 * order paid, an admitted entry on a member's ticket, a refund of a member order, a
 * hold that lapsed with points on it. Each has a key; applying records the key in the
 * same transaction as its effects, so a replayed event changes nothing.
 */
export interface MemberEvent {
  key: string;
  kind: 'paid' | 'entry' | 'refund' | 'lapsed';
  accountId: string;
  areaId: string;
  orderId: string;
  /** ISO instant of the event (when paid, scanned, refunded) */
  at: string;
}

const DAY = 86_400_000;

/** Events in the books not applied yet, oldest first (at most `limit` of each kind). */
export async function pendingMemberEvents(db: Knex, limit = 200): Promise<MemberEvent[]> {
  const unapplied = (key: string) =>
    db.raw(`not exists (select 1 from member_events e where e.event_key = ${key})`);
  type Row = { id: string; order_id: string; area_id: string; account_id: string; at: Date };
  const paid = await db('member_orders as mo')
    .join('orders as o', 'o.id', 'mo.order_id')
    .whereNotNull('o.paid_at')
    .whereRaw(unapplied(`'paid:' || o.id`))
    .orderBy('o.paid_at')
    .limit(limit)
    .select<Row[]>('o.id as id', 'o.id as order_id', 'o.area_id', 'mo.account_id', 'o.paid_at as at');
  const entries = await db('checkin_scans as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .join('member_orders as mo', 'mo.order_id', 't.order_id')
    .where({ 's.direction': 'in', 's.decision': 'admit' })
    .whereRaw(unapplied(`'entry:' || s.scan_id`))
    .orderBy('s.scanned_at')
    .limit(limit)
    .select<Row[]>('s.scan_id as id', 't.order_id', 's.area_id', 'mo.account_id', 's.scanned_at as at');
  const refunds = await db('refunds as r')
    .join('member_orders as mo', 'mo.order_id', 'r.order_id')
    .join('orders as o', 'o.id', 'r.order_id')
    .whereNot('r.status', 'failed')
    .whereRaw(unapplied(`'refund:' || r.id`))
    .orderBy('r.created_at')
    .limit(limit)
    .select<Row[]>('r.id as id', 'r.order_id', 'o.area_id', 'mo.account_id', 'r.created_at as at');
  const lapsed = await db('member_orders as mo')
    .join('orders as o', 'o.id', 'mo.order_id')
    .whereIn('o.status', ['expired', 'cancelled'])
    .where('mo.points_spent', '>', 0)
    .whereRaw(unapplied(`'lapsed:' || o.id`))
    .limit(limit)
    .select<Row[]>('o.id as id', 'o.id as order_id', 'o.area_id', 'mo.account_id', 'o.updated_at as at');
  const as = (kind: MemberEvent['kind'], rows: Row[]): MemberEvent[] =>
    rows.map((r) => ({
      key: `${kind}:${r.id}`,
      kind,
      accountId: r.account_id,
      areaId: r.area_id,
      orderId: r.order_id,
      at: new Date(r.at).toISOString(),
    }));
  return [
    ...as('paid', paid),
    ...as('entry', entries),
    ...as('refund', refunds),
    ...as('lapsed', lapsed),
  ].sort((a, b) => a.at.localeCompare(b.at));
}

/** What applying one event did (also stored with its key). */
export interface Applied {
  applied: boolean;
  points?: number;
  rules?: string[];
  member?: boolean;
  level?: string | null;
}

/**
 * Applies one event, once: the key is inserted first and the effects follow in the same
 * transaction; a key already there means the event was applied and nothing changes.
 */
export async function applyMemberEvent(db: Knex, e: MemberEvent, now: Date): Promise<Applied> {
  const s = await loadSettings(db, e.areaId);
  return db.transaction(async (trx) => {
    const fresh = await trx('member_events')
      .insert({
        event_key: e.key,
        account_id: e.accountId,
        area_id: e.areaId,
        kind: e.kind,
        at: e.at,
        applied: JSON.stringify({}),
      })
      .onConflict('event_key')
      .ignore()
      .returning('event_key');
    if (!fresh.length) return { applied: false };
    const a = await trx('member_accounts').where({ id: e.accountId }).forUpdate().first();
    // an erased person keeps the books, and gains nothing more
    if (!a || a.deleted_at) return { applied: true };
    const at = new Date(e.at);
    const out: Applied = { applied: true, points: 0, rules: [] };
    if (e.kind === 'paid' || e.kind === 'entry') {
      const fired = await applyRules(trx, a, s, e, at, now);
      out.rules = fired.map((r) => r.id);
      if (fired.some((r) => r.action.kind === 'member')) out.member = true;
      const member = a.member_since !== null || out.member === true;
      if (member) out.points = await earn(trx, a.id, s, e, now);
    } else if (e.kind === 'refund') out.points = await onRefund(trx, a.id, e, now);
    else out.points = await returnSpent(trx, a.id, e.orderId, `return:lapsed:${e.orderId}`, null, now);
    out.level = await updateLevel(trx, a.id, e.areaId, s, now);
    await trx('member_events')
      .where({ event_key: e.key })
      .update({ applied: JSON.stringify(out) });
    return out;
  });
}

/** Moves points once per reference (the ledger's unique `ref`), keeping the balance with it. */
async function move(
  trx: Knex.Transaction,
  accountId: string,
  delta: number,
  reason: MemberPointsRow['reason'],
  ref: string,
  areaId: string | null,
  now: Date,
): Promise<number> {
  if (!delta) return 0;
  const ins = await trx('member_points')
    .insert({ account_id: accountId, delta, reason, ref, area_id: areaId, created_at: now })
    .onConflict('ref')
    .ignore()
    .returning('id');
  if (!ins.length) return 0;
  await trx('member_accounts')
    .where({ id: accountId })
    .update({ points: trx.raw('points + ?', [delta]), updated_at: now });
  return delta;
}

async function earn(trx: Knex.Transaction, accountId: string, s: MemberSettings, e: MemberEvent, now: Date) {
  if (e.kind === 'entry')
    return move(trx, accountId, s.pointsPerEntry, 'earn_entry', `earn:${e.key}`, e.areaId, now);
  const o = await trx('orders').where({ id: e.orderId }).first('amount_total');
  const points = Math.floor((o?.amount_total ?? 0) / 100) * s.pointsPerYuan;
  return move(trx, accountId, points, 'earn_order', `earn:order:${e.orderId}`, e.areaId, now);
}

/** A refund gives back the refunded tickets' share of the points spent, and takes back their share of those earned. */
async function onRefund(
  trx: Knex.Transaction,
  accountId: string,
  e: MemberEvent,
  now: Date,
): Promise<number> {
  const refundId = e.key.slice('refund:'.length);
  const r = await trx('refunds').where({ id: refundId }).first('ticket_ids');
  const tickets = await trx('tickets').where({ order_id: e.orderId }).select('id', 'price');
  const all = tickets.reduce((n, t) => n + t.price, 0);
  const refunded = tickets.filter((t) => r?.ticket_ids.includes(t.id)).reduce((n, t) => n + t.price, 0);
  const back = await returnSpent(trx, accountId, e.orderId, `return:${e.key}`, { refunded, all }, now);
  const earned = await trx('member_points')
    .where({ ref: `earn:order:${e.orderId}` })
    .first('delta');
  const balance = (await trx('member_accounts').where({ id: accountId }).first('points'))?.points ?? 0;
  // never below zero: points already spent elsewhere are not taken twice
  const claw = Math.min(balance, shareOf(earned?.delta ?? 0, refunded, all));
  return back + (await move(trx, accountId, -claw, 'earn_clawback', `clawback:${e.key}`, e.areaId, now));
}

async function returnSpent(
  trx: Knex.Transaction,
  accountId: string,
  orderId: string,
  ref: string,
  share: { refunded: number; all: number } | null,
  now: Date,
): Promise<number> {
  const mo = await trx('member_orders').where({ order_id: orderId }).first('points_spent');
  const spent = mo?.points_spent ?? 0;
  const back = share ? shareOf(spent, share.refunded, share.all) : spent;
  const o = await trx('orders').where({ id: orderId }).first('area_id');
  return move(trx, accountId, back, 'spend_returned', ref, o?.area_id ?? null, now);
}

/** The member's count of a rule's trigger in the area over the window ending at the event. */
async function countFor(trx: Knex.Transaction, accountId: string, areaId: string, r: MemberRule, at: Date) {
  const from = new Date(at.getTime() - r.withinDays * DAY);
  if (r.trigger === 'paid_orders') {
    const [row] = await trx('member_orders as mo')
      .join('orders as o', 'o.id', 'mo.order_id')
      .where({ 'mo.account_id': accountId, 'o.area_id': areaId })
      .whereBetween('o.paid_at', [from, at])
      .count<{ n: string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }
  const q = trx('checkin_scans as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .join('member_orders as mo', 'mo.order_id', 't.order_id')
    .where({ 'mo.account_id': accountId, 's.area_id': areaId, 's.direction': 'in', 's.decision': 'admit' })
    .whereBetween('s.scanned_at', [from, at]);
  const [row] =
    r.trigger === 'visits'
      ? await q.countDistinct<{ n: string }[]>({ n: 's.local_date' })
      : await q.count<{ n: string }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** Fires every rule reached, once per member (its own event key). */
async function applyRules(
  trx: Knex.Transaction,
  a: MemberAccountRow,
  s: MemberSettings,
  e: MemberEvent,
  at: Date,
  now: Date,
): Promise<MemberRule[]> {
  const counts = new Map<string, number>();
  for (const r of s.rules) counts.set(r.id, await countFor(trx, a.id, e.areaId, r, at));
  const fired: MemberRule[] = [];
  for (const r of rulesReached(s.rules, (x) => counts.get(x.id) ?? 0)) {
    const key = `rule:${e.areaId}:${r.id}:${a.id}`;
    const once = await trx('member_events')
      .insert({
        event_key: key,
        account_id: a.id,
        area_id: e.areaId,
        kind: 'rule',
        at: now,
        applied: JSON.stringify({ by: e.key }),
      })
      .onConflict('event_key')
      .ignore()
      .returning('event_key');
    if (!once.length) continue;
    fired.push(r);
    if (r.action.kind === 'member' && !a.member_since)
      await trx('member_accounts').where({ id: a.id }).update({ member_since: now, updated_at: now });
    else if (r.action.kind === 'points')
      await move(trx, a.id, r.action.points, 'rule_bonus', `bonus:${key}`, e.areaId, now);
    else if (r.action.kind === 'coupon') await issueCoupon(trx, a.id, e.areaId, r.id, r.action, now);
  }
  return fired;
}

/** A single-use coupon of the area, issued to the member (shown on their member page). */
async function issueCoupon(
  trx: Knex.Transaction,
  accountId: string,
  areaId: string,
  ruleId: string,
  action: { percentBps: number; validDays: number },
  now: Date,
): Promise<void> {
  const code = `MB${randomBytes(8).toString('hex').toUpperCase()}`;
  await trx('coupons').insert({
    code,
    area_id: areaId,
    kind: 'percent',
    value: action.percentBps,
    max_uses: 1,
    stackable: false,
    min_amount: 0,
    valid_from: now,
    valid_until: new Date(now.getTime() + action.validDays * DAY),
  });
  await trx('member_coupons').insert({
    code,
    area_id: areaId,
    account_id: accountId,
    rule_id: ruleId,
    issued_at: now,
  });
}

/** Members only: the level by points earned or visits made over the rolling window. */
async function updateLevel(
  trx: Knex.Transaction,
  accountId: string,
  areaId: string,
  s: MemberSettings,
  now: Date,
): Promise<string | null> {
  const a = await trx('member_accounts').where({ id: accountId }).first('member_since', 'level');
  if (!a?.member_since || !s.levels.length) return a?.level ?? null;
  const from = new Date(now.getTime() - s.levelWindowDays * DAY);
  const [pts] = await trx('member_points')
    .where({ account_id: accountId })
    .whereIn('reason', ['earn_order', 'earn_entry', 'rule_bonus'])
    .where('created_at', '>=', from)
    .sum<{ n: string | null }[]>({ n: 'delta' });
  const [vis] = await trx('checkin_scans as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .join('member_orders as mo', 'mo.order_id', 't.order_id')
    .where({ 'mo.account_id': accountId, 's.area_id': areaId, 's.direction': 'in', 's.decision': 'admit' })
    .where('s.scanned_at', '>=', from)
    .countDistinct<{ n: string }[]>({ n: 's.local_date' });
  const level = levelFor(s.levels, { points: Number(pts?.n ?? 0), visits: Number(vis?.n ?? 0) });
  if (level !== a.level)
    await trx('member_accounts').where({ id: accountId }).update({ level, updated_at: now });
  return level;
}

/** One pass of the worker: every pending event applied (each once). */
export async function applyPendingMemberEvents(db: Knex, now: () => Date, limit = 200): Promise<number> {
  let n = 0;
  for (const e of await pendingMemberEvents(db, limit))
    if ((await applyMemberEvent(db, e, now())).applied) n++;
  return n;
}
