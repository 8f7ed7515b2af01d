import type { Knex } from 'knex';
import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { GroupTerms } from '../groups/model.js';
import { ProductPolicy } from '../policies/model.js';
// not from declared.ts: that module imports this one (a cycle breaks the schema's initialisation)
import { sameJson } from './same-json.js';
import type { AreaDefinition } from './definition.js';

/**
 * A ScenicArea's `spec.products` (issue 18): per product id, the terms Kubernetes owns —
 * its refund and reschedule policy, its visiting route and its group tiers. The product
 * itself (name, price, kind) stays the catalog's; a term the resource leaves out is the
 * catalog's too. A product id the catalog does not have is reported (condition
 * `UnknownProduct`), the rest is written.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase letters, digits, : _ - (max 63)');
export const DeclaredProduct = z
  .object({
    id: slug,
    policy: ProductPolicy.optional(),
    visitRoute: z.string().min(1).max(300).optional(),
    group: GroupTerms.optional(),
  })
  .strict();
export type DeclaredProduct = z.output<typeof DeclaredProduct>;

const TERMS = ['policy', 'visitRoute', 'group'] as const;

/** Writes the declared terms onto the area's products; returns the ids it has no product for. */
export async function writeDeclaredProducts(
  trx: Knex.Transaction,
  areaId: string,
  products: DeclaredProduct[],
): Promise<string[]> {
  const known = new Set(
    (
      await trx('products')
        .where({ area_id: areaId })
        .whereIn(
          'id',
          products.map((p) => p.id),
        )
        .select('id')
    ).map((r) => r.id),
  );
  const unknown: string[] = [];
  for (const p of products) {
    if (!known.has(p.id)) {
      unknown.push(p.id);
      continue;
    }
    const set = {
      ...(p.policy !== undefined ? { policy: JSON.stringify(p.policy) } : {}),
      ...(p.visitRoute !== undefined ? { visit_route: p.visitRoute } : {}),
      ...(p.group !== undefined ? { group_tiers: JSON.stringify(p.group) } : {}),
    };
    if (Object.keys(set).length) await trx('products').where({ area_id: areaId, id: p.id }).update(set);
  }
  return unknown;
}

/**
 * The admin API's write of a declared area: each declared term is the declaration's. A
 * product that leaves it out gets it; one that gives a different value is refused
 * (`field_declared_by_resource`, path `products.<id>.<term>`).
 */
export function mergeDeclaredProducts(
  raw: unknown,
  def: AreaDefinition,
  declared: DeclaredProduct[] | undefined,
  by: string,
  wrong: FieldIssue[],
): AreaDefinition['products'] {
  if (!declared?.length) return def.products;
  const given = new Map<string, Partial<Record<string, unknown>>>();
  const rawProducts = (raw as { products?: unknown }).products;
  if (Array.isArray(rawProducts))
    for (const p of rawProducts as unknown[])
      if (p && typeof p === 'object' && 'id' in p) given.set(String(p.id), p);
  const byId = new Map(declared.map((d) => [d.id, d]));
  return def.products.map((p) => {
    const d = byId.get(p.id);
    if (!d) return p;
    const out = { ...p };
    for (const k of TERMS) {
      if (d[k] === undefined) continue;
      if (given.get(p.id)?.[k] !== undefined && !sameJson(p[k], d[k]))
        wrong.push({ path: `products.${p.id}.${k}`, message: by });
      Object.assign(out, { [k]: d[k] });
    }
    return out;
  });
}
