import type { Knex } from 'knex';
import { bindingOf } from '../../core/catalog/declare.js';
import { resolveArea } from '../api/defaults.js';
import type { ScenicArea } from '../api/types.js';
import { areaPolicies, firstViolation } from '../area/policies.js';
import type { TenancyPolicy } from '../area/tenancy.js';

const keyOf = (a: ScenicArea) => `${a.metadata.namespace}/${a.metadata.name}`;

/**
 * Which ScenicAreas hold their area id on the data plane (issue 17.13). The area
 * controller claims the id in Postgres (core/catalog/declare.ts) and records the answer
 * here; the switch controller and the capacity listener act only for an area that holds
 * its claim, and read the binding from Postgres when this operator has not claimed yet
 * (just started, or the claim is another replica's). Without a data plane (tests of
 * scaling only) the policies over the watched areas decide alone.
 */
export class Claims {
  private readonly known = new Map<string, { uid: string; held: boolean }>();

  constructor(private readonly db: Knex | undefined) {}

  /** Returns whether this changes what was known (the switches then have work to do). */
  record(area: ScenicArea, held: boolean): boolean {
    const uid = area.metadata.uid ?? '';
    const k = this.known.get(keyOf(area));
    this.known.set(keyOf(area), { uid, held });
    return !k || k.uid !== uid || k.held !== held;
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  async holds(area: ScenicArea, areaId: string): Promise<boolean> {
    if (!this.db) return true;
    const k = this.known.get(keyOf(area));
    if (k && k.uid === (area.metadata.uid ?? '')) return k.held;
    const b = await bindingOf(this.db, areaId);
    return !!b && b.declared && b.namespace === area.metadata.namespace && b.uid === area.metadata.uid;
  }
}

/**
 * Whether the operator may act for `area` at all: every policy passes (unique area id,
 * own prefix, allowed image and hooks) and it holds its claim. A refused area gets a
 * condition from the area controller and nothing else: no switch, no level, no hook.
 */
export async function admitted(
  area: ScenicArea,
  ctx: { claims: Claims; tenancy: TenancyPolicy; caches: { areas: { list(): ScenicArea[] } } },
): Promise<boolean> {
  const resolved = resolveArea(area);
  const others = ctx.caches.areas.list();
  if (firstViolation(areaPolicies, { area, resolved, others, tenancy: ctx.tenancy })) return false;
  return ctx.claims.holds(area, resolved.areaId);
}
