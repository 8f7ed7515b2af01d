import type { Knex } from 'knex';

/**
 * What settlement counts of combo components (issue 18): per component and session, the
 * seats sold with paid orders, redeemed at their door, refunded, and still open, with
 * their value. The money itself is settled with the orders and refunds it belongs to
 * (core/settlement): a component refund is a refund row like any other.
 */
export interface ComponentFigures {
  componentId: string;
  sessionId: string;
  sold: number;
  redeemed: number;
  refunded: number;
  open: number;
  /** fen: the value of the seats sold, of the redeemed, of the refunded */
  valueSold: number;
  valueRedeemed: number;
  valueRefunded: number;
}

const PAID = ['issued', 'partially_refunded', 'refunded'];

export async function componentReport(
  db: Knex,
  areaId: string,
  from: string,
  to: string,
): Promise<{ areaId: string; from: string; to: string; components: ComponentFigures[] }> {
  const rows: { component_id: string; session_id: string; status: string; n: number; v: number }[] = await db(
    'combo_bookings as b',
  )
    .join('orders as o', 'o.id', 'b.order_id')
    .where('b.area_id', areaId)
    .whereBetween('b.visit_date', [from, to])
    .whereIn('o.status', PAID)
    .whereNot('b.status', 'void')
    .groupBy('b.component_id', 'b.session_id', 'b.status')
    .orderBy(['b.component_id', 'b.session_id'])
    .select(
      'b.component_id',
      'b.session_id',
      'b.status',
      db.raw('sum(b.units)::int as n'),
      db.raw('sum(b.value)::bigint as v'),
    );
  const by = new Map<string, ComponentFigures>();
  for (const r of rows) {
    const key = `${r.component_id}|${r.session_id}`;
    let f = by.get(key);
    if (!f)
      by.set(
        key,
        (f = {
          componentId: r.component_id,
          sessionId: r.session_id,
          sold: 0,
          redeemed: 0,
          refunded: 0,
          open: 0,
          valueSold: 0,
          valueRedeemed: 0,
          valueRefunded: 0,
        }),
      );
    const v = Number(r.v);
    f.sold += r.n;
    f.valueSold += v;
    if (r.status === 'redeemed') {
      f.redeemed += r.n;
      f.valueRedeemed += v;
    } else if (r.status === 'refunded') {
      f.refunded += r.n;
      f.valueRefunded += v;
    } else f.open += r.n;
  }
  return { areaId, from, to, components: [...by.values()] };
}
