import type { Product } from '../catalog/catalog.js';
import type { TicketRow } from '../db/tables.js';
import type { CodeOf, FieldIssue } from '../errors.js';
import { tierPrice, type GroupParty } from './model.js';

/**
 * How the order path (core/orders/place.ts) sells a group product: the item's visitors are
 * the members (each real-name checked like any visitor), the leader is required, the party
 * size must be within the product's terms, and the whole party is one ticket of `size`
 * units — one QR, capacity taken for every person by the same reserve as any order.
 */
export type GroupIssue = FieldIssue & { code: CodeOf<'input'> };

/** What is wrong with an item's group fields (pure), or undefined. */
export function groupIssue(
  product: Product,
  item: { visitors: readonly unknown[]; leader?: { name: string; phone: string } },
  li: number,
): GroupIssue | undefined {
  const g = product.group;
  if (!g)
    return item.leader
      ? {
          path: `items.${li}.leader`,
          message: `${product.id} is not sold to groups`,
          code: 'not_a_group_product',
        }
      : undefined;
  if (!item.leader)
    return {
      path: `items.${li}.leader`,
      message: 'a group is bought with its leader (name and phone)',
      code: 'group_leader_required',
    };
  const n = item.visitors.length;
  if (n < g.minPersons || n > g.maxPersons)
    return {
      path: `items.${li}.visitors`,
      message: `a group of ${product.id} has ${g.minPersons} to ${g.maxPersons} members, not ${n}`,
      code: 'group_size_out_of_range',
    };
  return undefined;
}

/** The price per person of an item: a group's tier by its size, else the product's base price. */
export function unitPriceOf(product: Product, persons: number): number {
  return product.group ? tierPrice(product.group, persons) : product.basePrice;
}

/** The sealed form of a party (JSON, sealed by the caller's vault). */
export const partyJson = (p: GroupParty): string => JSON.stringify(p);

type RefundTicket = Pick<
  TicketRow,
  'id' | 'price' | 'fee_retained' | 'entries_used' | 'units' | 'group_masked'
>;

/**
 * The refund hook for groups (core/orders/lifecycle.ts refundOrder): once the visit's day is
 * over, a group that entered only in part may refund its no-shows — the value of the persons
 * who entered is kept as used (added to the ticket's retained value, as a pass's spent days
 * are), and the product's refund policy decides the rest in every channel: not refundable,
 * a deadline passed (a cutoff at the slot's start refuses it), or a fee. Before the day is
 * over the rest of the party may still come, so a used group is not refundable.
 */
export function groupRefundCase<T extends RefundTicket>(
  tickets: readonly T[],
  visitDate: string,
  today: string,
): { tickets: T[]; usedGroups: Set<string> } {
  const usedGroups = new Set<string>();
  const out = tickets.map((t) => {
    if (!t.group_masked || t.entries_used === 0 || t.entries_used >= t.units || today <= visitDate) return t;
    usedGroups.add(t.id);
    const used = Math.round((t.price * t.entries_used) / t.units);
    return { ...t, fee_retained: t.fee_retained + used };
  });
  return { tickets: out, usedGroups };
}
