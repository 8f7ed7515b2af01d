import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { parseInput } from '../validation.js';
import type { AreaDeclarationRow, AreaRow, ChannelQuotaRow, TimeSlotRow } from '../db/tables.js';
import { writeZones } from '../zones/store.js';
import { writeDeclaredProducts } from './declare-products.js';
import {
  DeclaredFields,
  declaredPaths,
  resourceName,
  sameJson,
  type DeclarationView,
  type DeclaringResource,
} from './declared.js';

/** Why a resource may not declare an area (CamelCase: the operator's condition reasons). */
export type ClaimRefusal = 'AreaIdTaken' | 'AreaIdConflict' | 'RedisPrefixTaken';

export type DeclareOutcome =
  | {
      result: 'applied' | 'unchanged';
      /** the catalog's plan version after the write */
      planVersion: number;
      /** the inventory's limits changed: Redis must reload them (`propagateAreaChange`) */
      planChanged: boolean;
      /** declared channels the data plane has no sales channel for (their quotas are not enforced) */
      unknownChannels: string[];
      /** declared product ids the catalog has no product for (their terms are not written) */
      unknownProducts: string[];
    }
  | { result: 'refused'; reason: ClaimRefusal; message: string };

export interface DeclareInput {
  areaId: string;
  resource: DeclaringResource;
  /** as the resource spells them; validated here */
  fields: unknown;
  /**
   * Whether the resource that holds the binding still exists. A resource of the same
   * namespace takes an area over only from one that is gone (a re-created ScenicArea).
   */
  isLive: (namespace: string, name: string, uid: string) => boolean;
}

class Refused extends Error {
  constructor(
    readonly reason: ClaimRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The operator's write: claims `areaId` for the resource (bound to its namespace, with
 * its Redis prefix) and makes the catalog say what the resource declares, in one
 * transaction that holds the area's row lock (the admin API's writes take it too). A
 * claim on an id or a prefix another namespace holds is refused and writes nothing.
 * Idempotent: declaring the same fields again changes no row.
 */
export async function declareArea(db: Knex, input: DeclareInput, clock: Clock): Promise<DeclareOutcome> {
  const f = parseInput(DeclaredFields, input.fields, 'invalid_declaration');
  const { areaId, resource: r } = input;
  try {
    return await db.transaction(async (trx) => {
      // NO KEY UPDATE: serialises the catalog's writers of this area, while orders' foreign-key
      // checks (KEY SHARE) on the row go on selling meanwhile
      const lock = () => trx('areas').where({ id: areaId }).forNoKeyUpdate().first();
      let area = await lock();
      if (!area) {
        await trx('areas')
          .insert({
            id: areaId,
            name: areaId, // the catalog's to rename
            timezone: f.timezone,
            daily_capacity: f.dailyCapacity,
            instant_capacity: f.instantCapacity ?? f.dailyCapacity,
            thresholds: JSON.stringify(f.thresholds),
          })
          .onConflict('id')
          .ignore();
        area = (await lock())!;
      }
      const cur = await checkClaim(trx, input);
      const { areaColumns, planChanged, unknownChannels } = await writeDeclared(trx, area, f);
      // zones are not the inventory's: they change no plan version
      if (f.zones) await writeZones(trx, areaId, f.zones, f.diversion);
      const unknownProducts = f.products ? await writeDeclaredProducts(trx, areaId, f.products) : [];
      let planVersion = area.plan_version;
      if (planChanged) {
        const [v] = await trx('areas')
          .where({ id: areaId })
          .update({
            ...areaColumns,
            plan_version: trx.raw('?? + 1', ['plan_version']),
            updated_at: trx.fn.now(),
          })
          .returning('plan_version');
        planVersion = v!.plan_version;
      }
      const now = clock.now();
      const row = {
        namespace: r.namespace,
        name: r.name,
        uid: r.uid,
        redis_prefix: r.redisPrefix,
        generation: r.generation,
        fields: JSON.stringify(f),
      };
      const same =
        cur &&
        cur.uid === r.uid &&
        cur.name === r.name &&
        cur.redis_prefix === r.redisPrefix &&
        cur.generation === r.generation &&
        sameJson(cur.fields, f);
      if (!cur)
        await trx('area_declarations').insert({ area_id: areaId, ...row, claimed_at: now, applied_at: now });
      else if (!same || planChanged)
        await trx('area_declarations')
          .where({ area_id: areaId })
          .update({ ...row, ...(cur.uid !== r.uid ? { claimed_at: now } : {}), applied_at: now });
      return {
        result: same && !planChanged ? 'unchanged' : 'applied',
        planVersion,
        planChanged,
        unknownChannels,
        unknownProducts,
      };
    });
  } catch (e) {
    if (e instanceof Refused) return { result: 'refused', reason: e.reason, message: e.message };
    throw e;
  }
}

/** The id and the prefix belong to one namespace; inside it, to one live resource. Returns the binding. */
async function checkClaim(
  trx: Knex.Transaction,
  { areaId, resource: r, isLive }: DeclareInput,
): Promise<AreaDeclarationRow | undefined> {
  const cur = await trx('area_declarations').where({ area_id: areaId }).first();
  if (cur && cur.namespace !== r.namespace)
    throw new Refused(
      'AreaIdTaken',
      `areaId "${areaId}" is bound to another namespace; a platform admin must release it first`,
    );
  if (cur && cur.uid !== r.uid && cur.fields !== null && isLive(cur.namespace, cur.name, cur.uid))
    throw new Refused(
      'AreaIdConflict',
      `areaId "${areaId}" is already declared by ScenicArea ${cur.namespace}/${cur.name}`,
    );
  const prefixOwner = await trx('area_declarations')
    .where({ redis_prefix: r.redisPrefix })
    .whereNot({ namespace: r.namespace })
    .first('area_id');
  if (prefixOwner)
    throw new Refused(
      'RedisPrefixTaken',
      `redisPrefix "${r.redisPrefix}" is bound to another namespace; choose a prefix of this namespace's own`,
    );
  return cur;
}

/**
 * Makes the catalog's slot and quota rows say what `f` declares, and returns the area
 * columns to write with the plan version's bump (one update of the locked row).
 */
async function writeDeclared(
  trx: Knex.Transaction,
  area: AreaRow,
  f: DeclaredFields,
): Promise<{ areaColumns: Partial<AreaRow>; planChanged: boolean; unknownChannels: string[] }> {
  const areaColumns = {
    timezone: f.timezone,
    daily_capacity: f.dailyCapacity,
    ...(f.instantCapacity !== undefined ? { instant_capacity: f.instantCapacity } : {}),
    thresholds: f.thresholds,
    ...(f.closures ? { closures: f.closures } : {}),
  };
  // a closure is no inventory limit, but it rides on the plan's one update of the locked row
  let changed =
    area.timezone !== f.timezone ||
    area.daily_capacity !== f.dailyCapacity ||
    (f.instantCapacity !== undefined && area.instant_capacity !== f.instantCapacity) ||
    !sameJson(area.thresholds, f.thresholds) ||
    (f.closures !== undefined && !sameJson(area.closures, f.closures));
  if (f.slots) changed = (await writeSlots(trx, area.id, f.slots)) || changed;
  const unknownChannels: string[] = [];
  if (f.channels?.length) {
    const [known, quotaRows] = [
      new Set(
        (
          await trx('channels')
            .whereIn(
              'id',
              f.channels.map((c) => c.id),
            )
            .select('id')
        ).map((c) => c.id),
      ),
      await trx('channel_quotas').where({ area_id: area.id }),
    ];
    const quotas = new Map<string, ChannelQuotaRow>(quotaRows.map((q) => [q.channel_id, q]));
    for (const c of f.channels) {
      if (!known.has(c.id)) {
        unknownChannels.push(c.id);
        continue;
      }
      const q = quotas.get(c.id);
      if (c.quota === null && q) {
        await trx('channel_quotas').where({ area_id: area.id, channel_id: c.id }).delete();
        changed = true;
      } else if (c.quota !== null && (q?.quota !== c.quota || q.share_bps !== null)) {
        await trx('channel_quotas')
          .insert({ area_id: area.id, channel_id: c.id, quota: c.quota, share_bps: null })
          .onConflict(['area_id', 'channel_id'])
          .merge();
        changed = true;
      }
    }
  }
  return { areaColumns, planChanged: changed, unknownChannels };
}

async function writeSlots(
  trx: Knex.Transaction,
  areaId: string,
  slots: NonNullable<DeclaredFields['slots']>,
): Promise<boolean> {
  const key = (s: Pick<TimeSlotRow, 'id' | 'starts_at' | 'ends_at' | 'capacity'>) =>
    `${s.id}|${s.starts_at}|${s.ends_at}|${s.capacity}`;
  const want = slots.map((s) => ({
    area_id: areaId,
    id: s.id,
    starts_at: s.startsAt,
    ends_at: s.endsAt,
    capacity: s.capacity,
  }));
  const cur = await trx('time_slots').where({ area_id: areaId });
  if (cur.map(key).sort().join() === want.map(key).sort().join()) return false;
  await trx('time_slots').where({ area_id: areaId }).delete();
  await trx('time_slots').insert(want);
  return true;
}

/**
 * The resource `namespace/name` is gone: the areas it declared have no declared fields
 * any more (the admin API may edit them), but their ids stay bound to the namespace, so
 * no other tenant can take them meanwhile. Returns the areas concerned.
 */
export async function undeclareResource(db: Knex, namespace: string, name: string): Promise<string[]> {
  const rows = await db('area_declarations')
    .where({ namespace, name })
    .whereNotNull('fields')
    .update({ fields: null })
    .returning('area_id');
  return rows.map((r) => r.area_id);
}

/** A platform admin lets another namespace claim the area (and its prefix). */
export async function releaseAreaBinding(db: Knex, areaId: string): Promise<boolean> {
  return (await db('area_declarations').where({ area_id: areaId }).delete()) > 0;
}

/** The namespace (and resource) an area id is bound to, if any. */
export async function bindingOf(
  db: Knex,
  areaId: string,
): Promise<{ namespace: string; name: string; uid: string; declared: boolean } | undefined> {
  const row = await db('area_declarations').where({ area_id: areaId }).first();
  return row && { namespace: row.namespace, name: row.name, uid: row.uid, declared: row.fields !== null };
}

/** Who declares what of an area, if anything does. */
export async function declarationOf(db: Knex, areaId: string): Promise<DeclarationView | undefined> {
  const row = await db('area_declarations').where({ area_id: areaId }).first();
  return row ? viewOf(row) : undefined;
}

export function viewOf(row: AreaDeclarationRow): DeclarationView | undefined {
  if (!row.fields) return undefined;
  const resource = { kind: 'ScenicArea', namespace: row.namespace, name: row.name } as const;
  return {
    by: resourceName(resource),
    resource: { ...resource, generation: row.generation },
    fields: declaredPaths(row.fields),
    values: row.fields,
    appliedAt: row.applied_at?.toISOString() ?? null,
  };
}

/** Bindings of a namespace whose resources are no longer among `live` (names): for a sweep after a missed delete. */
export async function orphanedDeclarations(
  db: Knex,
  namespace: string | undefined,
  live: ReadonlySet<string>,
): Promise<Pick<AreaDeclarationRow, 'namespace' | 'name'>[]> {
  const q = db('area_declarations').whereNotNull('fields').select('namespace', 'name');
  const rows = namespace ? await q.where({ namespace }) : await q;
  return rows.filter((r) => !live.has(`${r.namespace}/${r.name}`));
}
