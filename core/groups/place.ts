import type { Product } from '../catalog/catalog.js';
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
      ? { path: `items.${li}.leader`, message: `${product.id} is not sold to groups`, code: 'not_a_group_product' }
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
