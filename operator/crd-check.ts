import type { KubeClient } from './kube/client.js';
import { resourcePath } from './kube/client.js';
import { RT } from './kube/resources.js';
import { CRD_NAMES, SCHEMA_REVISION, SCHEMA_REVISION_ANNOTATION, VERSION } from './api/types.js';

interface Crd {
  metadata: { annotations?: Record<string, string> };
  spec: { versions: { name: string; served: boolean; storage: boolean }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Thrown at start-up when the installed CRDs are not the ones this build expects. */
export class CrdMismatchError extends Error {
  readonly code = 'crd_mismatch';
}

/**
 * Helm installs CRDs from a chart's crds/ folder once and never upgrades them, so an
 * upgraded operator may meet old CRDs. Refuse to start (with the command that fixes it)
 * unless each CRD is established, serves our version and carries our schema revision.
 */
export async function checkCrds(client: KubeClient): Promise<void> {
  const problems: string[] = [];
  for (const name of Object.values(CRD_NAMES)) {
    let crd: Crd;
    try {
      crd = await client.get<Crd>(resourcePath(RT.crd, undefined, name));
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    const revision = crd.metadata.annotations?.[SCHEMA_REVISION_ANNOTATION];
    if (revision !== SCHEMA_REVISION)
      problems.push(`${name}: schema revision ${revision ?? 'none'}, this operator needs ${SCHEMA_REVISION}`);
    if (!crd.spec.versions.some((v) => v.name === VERSION && v.served))
      problems.push(`${name}: does not serve ${VERSION}`);
    if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
      problems.push(`${name}: not established`);
  }
  if (problems.length)
    throw new CrdMismatchError(
      `installed CRDs do not match this operator: ${problems.join('; ')}. Upgrade them with \`kubectl apply --server-side -f crds/\``,
    );
}
