import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { usePostgres } from '../support/postgres.js';

/**
 * Every query of the hot paths (placing an order, reading it back, paying, the gate's
 * precheck, the idempotency lookup, the outbox poll) is served by an index (issue 19:
 * the read-back of each new order scanned all of `order_lines`). The planner is told
 * not to scan whole tables (`enable_seqscan = off`): it still does when no index can
 * serve the query (or walks a whole index with no condition), so such a plan on an empty
 * table means a missing index as surely as on a full one, without loading millions of
 * rows into a test.
 */
describe('hot-path query plans (real Postgres)', () => {
  const pg = usePostgres();
  const id = randomUUID();
  const day = '2026-12-05';

  // Pending payments of many orders, so the planner costs `payments` as a presale fills it
  // (on an empty table it reads every pending payment through the partial index of the
  // poller instead). Foreign keys are not checked for these rows: they stand for the load.
  beforeAll(async () => {
    await pg.db.transaction(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      await trx.raw(
        `insert into payments (id, order_id, provider, amount, status, scene, expires_at)
         select gen_random_uuid(), gen_random_uuid(), 'alipay', 100, 'pending', 'page', now() + interval '15 minutes'
           from generate_series(1, 5000)`,
      );
    });
    await pg.db.raw('analyze payments');
  });

  /** The tables whose plan is checked; small catalog tables may be read whole. */
  const HOT = new Set([
    'orders',
    'order_lines',
    'tickets',
    'payments',
    'refunds',
    'outbox',
    'idempotency_keys',
    'checkin_scans',
    'area_presence',
    'audit_log',
    'waitlist',
  ]);

  const queries = (db: Knex): Record<string, Knex.QueryBuilder | Knex.Raw> => ({
    // placement and its idempotency record (core/idempotency.ts)
    'idempotency lookup': db('idempotency_keys').where({ scope: 'visitor:x', key: 'k-12345678' }).first(),
    'idempotency completion': db('idempotency_keys')
      .where({ scope: 'visitor:x', key: 'k-12345678', state: 'running' })
      .update({ state: 'done' }),
    'partner order id': db('orders').where({ channel_id: 'ota:x', partner_order_id: 'p-1' }).first(),
    // read-back (core/orders/store.ts viewOrder)
    'order by id': db('orders').where({ id }).first(),
    'order lines of an order': db('order_lines').where({ order_id: id }).orderBy('id'),
    'tickets of an order': db('tickets').where({ order_id: id }).orderBy('id').forUpdate(),
    'orders by phone': db('orders').where({ contact_phone_hash: 'h' }).orderBy('id', 'desc').limit(20),
    // payment (core/orders/payment.ts, payment-sync.ts, refunds.ts)
    'pending payments of an order': db('payments')
      .where({ order_id: id, provider: 'alipay', scene: 'page', status: 'pending' })
      .andWhere('expires_at', '>', new Date())
      .orderBy('created_at', 'desc'),
    'payment by provider reference': db('payments').where({ provider: 'alipay', provider_ref: 'r' }).first(),
    'sale payment of an order': db('payments')
      .where({ order_id: id })
      .whereIn('status', ['succeeded', 'refunded'])
      .whereNotExists(
        db('refunds')
          .whereRaw('refunds.payment_id = payments.id')
          .whereIn('reason_code', ['duplicate_payment']),
      )
      .first(),
    'refunds of an order': db('refunds').where({ order_id: id }),
    // gate precheck (core/checkin/ledger.ts)
    'scan by id': db('checkin_scans').where({ scan_id: id }).first(),
    'ticket for a precheck': db.raw(
      `select t.id from tickets t left join time_slots s on s.area_id = t.area_id and s.id = t.slot_id
         left join products p on p.area_id = t.area_id and p.id = t.product_id where t.id = ? for update of t`,
      [id],
    ),
    'presence of a day': db('area_presence').where({ area_id: 'a', day }).first(),
    'ticket by ID card': db('tickets').where({ area_id: 'a', visit_date: day, id_hash: 'h' }),
    // the outbox relay's poll (core/outbox/store.ts)
    'outbox poll': db('outbox')
      .whereNull('published_at')
      .andWhere((q) => void q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', new Date()))
      .orderBy('id')
      .limit(100)
      .forUpdate()
      .skipLocked(),
    // the reconciler's books of an area-day (core/orders/reconcile.ts)
    'live reservations of a day': db('orders as o')
      .join('tickets as t', 't.order_id', 'o.id')
      .where({ 'o.area_id': 'a', 'o.visit_date': day })
      .whereIn('o.status', ['held', 'paid', 'issued'])
      .select('o.id', 't.units'),
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Index Cond'?: string;
    Plans?: PlanNode[];
  }
  /**
   * Whole reads of hot tables: a sequential scan, or an index walked end to end with no
   * condition on it (the planner's way to honour `order by id` when nothing narrows the
   * rows: it read every `order_lines` row through the primary key).
   */
  const wholeReads = (n: PlanNode): string[] => {
    const rel = n['Relation Name'];
    const whole =
      rel !== undefined &&
      HOT.has(rel) &&
      (n['Node Type'] === 'Seq Scan' ||
        ((n['Node Type'] === 'Index Scan' || n['Node Type'] === 'Index Only Scan') && !n['Index Cond']));
    return [
      ...(whole ? [`${n['Node Type']} on ${rel}${n['Index Name'] ? ` via ${n['Index Name']}` : ''}`] : []),
      ...(n.Plans ?? []).flatMap(wholeReads),
    ];
  };

  it('reads no hot table whole', async () => {
    const found: Record<string, string[]> = {};
    for (const [what, q] of Object.entries(queries(pg.db))) {
      const scans = await pg.db.transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] }>(
          `explain (format json) ${q.toQuery()}`,
        );
        return wholeReads(rows[0]!['QUERY PLAN'][0]!.Plan);
      });
      if (scans.length) found[what] = scans;
    }
    expect(found).toEqual({});
  });
});
