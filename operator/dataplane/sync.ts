import { declareArea, undeclareResource } from '../../core/catalog/declare.js';
import { announceCatalogChange } from '../../core/catalog/events.js';
import { announcedPlanVersion, propagateAreaChange } from '../../core/catalog/propagate.js';
import { isDomainError } from '../../core/errors.js';
import type { ResolvedArea } from '../api/defaults.js';
import type { ScenicArea } from '../api/types.js';
import type { OperatorContext } from '../context.js';
import type { ConditionInput } from '../kube/conditions.js';
import type { PolicyViolation } from '../area/policies.js';
import { declaredFieldsOf } from './declared.js';

/** The condition this step reports (written by the area controller, with the others). */
export const DATA_PLANE_SYNCED = 'DataPlaneSynced';

export interface DataPlaneResult {
  /** the claim was refused, or the spec does not fit the catalog: nothing is reconciled */
  violation?: PolicyViolation;
  condition: ConditionInput;
}

const systemClock = (ctx: OperatorContext) => ({ now: ctx.now });

/**
 * Claims the area id for this ScenicArea and writes what it declares into the selling
 * path (ADR 0010): Postgres through core's `declareArea` with the operator's own
 * credential, then Redis's limits of every loaded area-day and every replica's catalog
 * cache (`propagateAreaChange`). Level-triggered: an unchanged spec writes nothing, and
 * a change whose propagation failed (or was missed) is propagated at the next reconcile,
 * because Redis's announced plan version lags the catalog's.
 */
export async function syncDataPlane(
  ctx: OperatorContext,
  area: ScenicArea,
  a: ResolvedArea,
): Promise<DataPlaneResult> {
  const db = ctx.dataPlane?.db;
  if (!db)
    return {
      condition: {
        type: DATA_PLANE_SYNCED,
        status: 'Unknown',
        reason: 'NoDataPlane',
        message: 'the operator runs without DATABASE_URL: declared fields are not written',
      },
    };
  let outcome;
  try {
    outcome = await declareArea(
      db,
      {
        areaId: a.areaId,
        resource: {
          kind: 'ScenicArea',
          namespace: a.namespace,
          name: a.name,
          uid: area.metadata.uid ?? '',
          generation: area.metadata.generation ?? 0,
          redisPrefix: a.redisPrefix,
        },
        fields: declaredFieldsOf(a),
        isLive: (ns, name, uid) => ctx.caches.areas.get(`${ns}/${name}`)?.metadata.uid === uid,
      },
      systemClock(ctx),
    );
  } catch (err) {
    if (isDomainError(err) && err.code === 'invalid_declaration')
      return refused(ctx, area, { reason: 'InvalidDeclaration', message: err.message });
    throw err;
  }
  if (outcome.result === 'refused') return refused(ctx, area, outcome);
  // the claim is held (perhaps newly): the switch controller may act for the area now
  if (ctx.claims.record(area, true)) ctx.enqueueSwitches(`${a.namespace}/${a.name}`);
  const redis = ctx.redis.forPrefix(a.redisPrefix);
  const clock = systemClock(ctx);
  if (outcome.planChanged || (await announcedPlanVersion(redis, a.areaId)) < outcome.planVersion)
    await propagateAreaChange({ db, redis, prefix: a.redisPrefix, clock }, a.areaId);
  else if (outcome.result === 'applied')
    await announceCatalogChange(redis, a.redisPrefix, a.areaId, ctx.now().getTime());
  if (outcome.result === 'applied')
    ctx.recorder.event(
      area,
      'Normal',
      'DataPlaneSynced',
      `declared fields of generation ${area.metadata.generation ?? 0} written (plan version ${outcome.planVersion})`,
    );
  return {
    condition: outcome.unknownProducts.length
      ? {
          type: DATA_PLANE_SYNCED,
          status: 'False',
          reason: 'UnknownProduct',
          message: `no product ${outcome.unknownProducts.join(', ')} in the area's catalog: their declared policies are not applied (the rest is written)`,
        }
      : outcome.unknownChannels.length
        ? {
            type: DATA_PLANE_SYNCED,
            status: 'False',
            reason: 'UnknownChannel',
            message: `no sales channel ${outcome.unknownChannels.join(', ')} in the data plane: their quotas are not enforced (the rest is written)`,
          }
        : {
            type: DATA_PLANE_SYNCED,
            status: 'True',
            reason: 'Synced',
            message: `capacity, slots, thresholds and channel quotas are the selling path's (plan version ${outcome.planVersion})`,
          },
  };
}

function refused(ctx: OperatorContext, area: ScenicArea, v: PolicyViolation): DataPlaneResult {
  ctx.claims.record(area, false);
  return {
    violation: v,
    condition: { type: DATA_PLANE_SYNCED, status: 'False', reason: v.reason, message: v.message },
  };
}

/**
 * A ScenicArea is gone: what it declared is the catalog's again (the admin API may edit
 * it; nothing cached holds declarations), while its id stays bound to its namespace.
 */
export async function forgetDeclarations(ctx: OperatorContext, key: string): Promise<void> {
  ctx.claims.forget(key);
  const db = ctx.dataPlane?.db;
  if (!db) return;
  const [namespace, name] = key.split('/') as [string, string];
  await undeclareResource(db, namespace, name);
}
