import { isNotFound, resourcePath, type KubeClient, type ResourceType } from './client.js';
import { jsonEqual } from './conditions.js';
import { FIELD_MANAGER } from './resources.js';

/**
 * Writes the given status fields through `/status` with a JSON merge patch, only when they
 * differ from `current` (status is written only on change; a no-op write would wake every
 * watcher). Each controller owns distinct status fields, so merge patches never clobber
 * each other. Returns whether it wrote. A deleted object is not an error.
 */
export async function patchStatusIfChanged<S extends object>(
  client: KubeClient,
  rt: ResourceType,
  namespace: string,
  name: string,
  current: S | undefined,
  fields: Partial<S>,
  opts: { ignore?: (keyof S)[]; force?: boolean } = {},
): Promise<boolean> {
  const cur = (current ?? {}) as Record<string, unknown>;
  const ignore = opts.ignore ?? [];
  const changed = Object.entries(fields).some(
    ([k, v]) => !ignore.includes(k as keyof S) && !jsonEqual(v ?? undefined, cur[k]),
  );
  if (!changed && !opts.force) return false;
  try {
    await client.mergePatch(resourcePath(rt, namespace, name, 'status'), { status: fields }, FIELD_MANAGER);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
