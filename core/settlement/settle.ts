import { applyBps } from '../pricing/price.js';
import { splitAmount, type Weighted } from './split.js';

/**
 * How every sale and refund of an order is shared between its parties (pure):
 *
 * - the **seller** (`channel:<id>`, the selling partner or channel) takes commission at the
 *   rate the order was placed under, rounded half up to the fen;
 * - the rest (the net) is split between the **areas** and **suppliers** by their shares
 *   (splitAmount: floors, then the left-over fen to the largest remainders, ties to the
 *   party listed first), an ordinary order's whole net to its own area;
 * - a **refund** is split the same way, negative; the refund that gives back the last of
 *   an order's money gives every party back exactly what it still holds of that order,
 *   so a fully refunded order is zero for each party to the fen.
 *
 * Every event's parts add up to its amount, so the parties' statements add up to the
 * money taken (sales − refunds), whatever the rates and shares.
 */
export interface SettlementOrder {
  id: string;
  channelId: string;
  commissionBps: number;
  /** `area:<id>` / `supplier:<id>` with their shares, in the product's order */
  parties: readonly Weighted[];
}

export interface MoneyEvent {
  kind: 'sale' | 'refund';
  /** the payment's or the refund's id */
  id: string;
  orderId: string;
  at: Date;
  /** fen, positive for both kinds */
  amount: number;
}

export interface SettledEvent extends MoneyEvent {
  /** the signed amount of each party (a refund's are ≤ 0), the seller first */
  parts: { party: string; amount: number }[];
}

export const sellerParty = (channelId: string) => `channel:${channelId}`;

function saleParts(o: SettlementOrder, amount: number): Map<string, number> {
  const commission = applyBps(amount, o.commissionBps);
  const net = splitAmount(amount - commission, o.parties);
  const out = new Map<string, number>([[sellerParty(o.channelId), commission]]);
  o.parties.forEach((p, i) => out.set(p.party, (out.get(p.party) ?? 0) + net[i]!));
  return out;
}

/**
 * Settles every event of the given orders, in order of time (then id). Pass all of an
 * order's events, not only a period's: the completing refund's rule needs what came before.
 */
export function settle(
  orders: ReadonlyMap<string, SettlementOrder>,
  events: readonly MoneyEvent[],
): SettledEvent[] {
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1));
  const held = new Map<string, { money: number; parts: Map<string, number> }>();
  const out: SettledEvent[] = [];
  for (const e of sorted) {
    const o = orders.get(e.orderId);
    if (!o) throw new RangeError(`event ${e.id} names order ${e.orderId}, which is not given`);
    const h = held.get(o.id) ?? { money: 0, parts: new Map<string, number>() };
    held.set(o.id, h);
    let parts: Map<string, number>;
    if (e.kind === 'sale') parts = saleParts(o, e.amount);
    else if (e.amount >= h.money) parts = new Map([...h.parts].map(([k, v]) => [k, -v]));
    else parts = new Map([...saleParts(o, e.amount)].map(([k, v]) => [k, -v]));
    h.money += e.kind === 'sale' ? e.amount : -e.amount;
    for (const [k, v] of parts) h.parts.set(k, (h.parts.get(k) ?? 0) + v);
    out.push({ ...e, parts: [...parts].map(([party, amount]) => ({ party, amount })) });
  }
  return out;
}

export interface PartyStatement {
  party: string;
  role: 'area' | 'supplier' | 'seller';
  /** the party's parts of the period's sales (the seller's: commission earned) */
  sales: number;
  /** its parts of the period's refunds (≤ 0; the seller's: commission given back) */
  refunds: number;
  total: number;
  events: number;
}

export interface StatementTotals {
  sales: number;
  refunds: number;
  /** sales − refunds: the money taken, which the parties' totals add up to */
  taken: number;
  commission: number;
}

const roleOf = (party: string): PartyStatement['role'] =>
  party.startsWith('area:') ? 'area' : party.startsWith('supplier:') ? 'supplier' : 'seller';

/** The statements of the events that fall in a period, one per party, by party id. */
export function statements(settled: readonly SettledEvent[]): {
  parties: PartyStatement[];
  totals: StatementTotals;
} {
  const by = new Map<string, PartyStatement>();
  const totals: StatementTotals = { sales: 0, refunds: 0, taken: 0, commission: 0 };
  for (const e of settled) {
    if (e.kind === 'sale') totals.sales += e.amount;
    else totals.refunds += e.amount;
    for (const p of e.parts) {
      const s = by.get(p.party) ?? {
        party: p.party,
        role: roleOf(p.party),
        sales: 0,
        refunds: 0,
        total: 0,
        events: 0,
      };
      by.set(p.party, s);
      if (e.kind === 'sale') s.sales += p.amount;
      else s.refunds += p.amount;
      s.total += p.amount;
      s.events++;
      if (s.role === 'seller') totals.commission += p.amount;
    }
  }
  totals.taken = totals.sales - totals.refunds;
  return { parties: [...by.values()].sort((a, b) => (a.party < b.party ? -1 : 1)), totals };
}
