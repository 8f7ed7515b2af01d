import type { Knex } from 'knex';
import { conflict, type FieldIssue } from '../errors.js';
import { parseInput } from '../validation.js';
import { loadAreaConfig, upsertArea, type AreaConfig } from './catalog.js';
import { declarationOf } from './declare.js';
import { sameJson, type DeclarationView, type DeclaredFields } from './declared.js';
import { AreaDefinition } from './definition.js';
import { mergeDeclaredProducts } from './declare-products.js';

/** The definition's values of the declared fields (what a PUT may repeat, never change). */
function declaredDefinition(v: DeclaredFields): Partial<AreaDefinition> {
  return {
    timezone: v.timezone,
    dailyCapacity: v.dailyCapacity,
    ...(v.instantCapacity !== undefined ? { instantCapacity: v.instantCapacity } : {}),
    thresholds: v.thresholds,
    ...(v.slots ? { slots: v.slots } : {}),
    ...(v.closures ? { closures: v.closures } : {}),
  };
}

const bySlotId = (s: AreaDefinition['slots']) => [...s].sort((a, b) => (a.id < b.id ? -1 : 1));

/**
 * The admin API's (and the console's) write of an area's catalog, `PUT /v1/admin/areas/:id`.
 * For an area a ScenicArea declares (ADR 0010), its declared fields may be left out (they
 * are taken from the declaration) or repeated unchanged; a different value is refused
 * with `field_declared_by_resource`, naming each field and the resource, and nothing is
 * written. The caller propagates the change after the commit.
 */
export async function defineArea(db: Knex, areaId: string, body: unknown): Promise<AreaDefinition> {
  const raw: Record<string, unknown> =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body } : {};
  return db.transaction(async (trx) => {
    await trx('areas').where({ id: areaId }).forNoKeyUpdate().first();
    const decl = await declarationOf(trx, areaId);
    if (!decl) {
      const def = parseInput(AreaDefinition, { ...raw, id: areaId });
      await upsertArea(trx, def);
      return def;
    }
    const declared = declaredDefinition(decl.values);
    const merged: Record<string, unknown> = { ...raw, id: areaId };
    for (const [k, v] of Object.entries(declared)) if (!(k in raw)) merged[k] = v;
    const def = parseInput(AreaDefinition, merged);
    const wrong: FieldIssue[] = [];
    const by = `declared by ${decl.by}`;
    for (const k of Object.keys(declared) as (keyof typeof declared)[]) {
      if (!(k in raw)) continue;
      const same =
        k === 'slots'
          ? sameJson(bySlotId(def.slots), bySlotId(declared.slots!))
          : sameJson(def[k], declared[k]);
      if (!same) wrong.push({ path: k, message: by });
    }
    const quotas = mergeQuotas(def.quotas, decl, wrong);
    const products = mergeDeclaredProducts(raw, def, decl.values.products, by, wrong);
    if (wrong.length)
      throw conflict(
        'field_declared_by_resource',
        `${wrong.map((w) => w.path).join(', ')}: ${by}; change ${wrong.length > 1 ? 'them' : 'it'} there`,
        { fields: wrong, declaredBy: decl.resource },
      );
    const full = { ...def, quotas, products };
    await upsertArea(trx, full);
    return full;
  });
}

/** Quotas of declared channels are the declaration's; the rest are the caller's. */
function mergeQuotas(
  given: AreaDefinition['quotas'],
  decl: DeclarationView,
  wrong: FieldIssue[],
): AreaDefinition['quotas'] {
  const declared = new Map((decl.values.channels ?? []).map((c) => [c.id, c.quota]));
  for (const q of given) {
    if (!declared.has(q.channelId)) continue;
    const d = declared.get(q.channelId);
    if (d === null || q.shareBps !== undefined || q.quota !== d)
      wrong.push({ path: `quotas.${q.channelId}`, message: `declared by ${decl.by}` });
  }
  return [
    ...given.filter((q) => !declared.has(q.channelId)),
    ...[...declared].flatMap(([channelId, quota]) => (quota === null ? [] : [{ channelId, quota }])),
  ];
}

/** An area as the admin API and the console show it: its configuration and who declares what. */
export interface AdminAreaView {
  id: string;
  name: string;
  timezone: string;
  dailyCapacity: number;
  instantCapacity: number;
  thresholds: AreaConfig['thresholds'];
  idDailyLimit: number;
  closures: AreaConfig['closures'];
  entrances: AreaConfig['entrances'];
  slots: AreaConfig['slots'];
  quotas: { channelId: string; quota: number }[];
  productCount: number;
  /** null: nothing is declared, every field is the catalog's */
  declared: DeclarationView | null;
}

export async function adminAreaView(db: Knex, areaId: string): Promise<AdminAreaView> {
  const [a, declared] = await Promise.all([loadAreaConfig(db, areaId), declarationOf(db, areaId)]);
  return {
    id: a.id,
    name: a.name,
    timezone: a.timezone,
    dailyCapacity: a.dailyCapacity,
    instantCapacity: a.instantCapacity,
    thresholds: a.thresholds,
    idDailyLimit: a.idDailyLimit,
    closures: a.closures,
    entrances: a.entrances,
    slots: a.slots,
    quotas: [...a.quotas].map(([channelId, quota]) => ({ channelId, quota })),
    productCount: a.products.size,
    declared: declared ?? null,
  };
}
