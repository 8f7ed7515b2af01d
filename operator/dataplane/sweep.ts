import { orphanedDeclarations, undeclareResource } from '../../core/catalog/declare.js';
import { keyOf } from '../kube/informer.js';
import type { OperatorContext } from '../context.js';

/**
 * At start (caches synced): a ScenicArea deleted while no operator was leading left its
 * declaration behind; what it declared becomes the catalog's again. Only the watched
 * namespace's (all when the operator watches every namespace). The ids stay bound.
 */
export async function sweepDeclarations(ctx: OperatorContext, namespace: string | undefined): Promise<void> {
  const db = ctx.dataPlane?.db;
  if (!db) return;
  const live = new Set(ctx.caches.areas.list().map(keyOf));
  for (const r of await orphanedDeclarations(db, namespace, live)) {
    await undeclareResource(db, r.namespace, r.name);
    ctx.log.info(
      { area: `${r.namespace}/${r.name}` },
      'ScenicArea gone: its declared fields are the catalog’s again',
    );
  }
}
