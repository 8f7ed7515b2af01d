import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { useKube } from '../support/kube.js';
import { uniqueSuffix } from '../support/services.js';

describe('kubernetes harness (real kube-apiserver)', () => {
  const kube = useKube();

  it('applies a CRD and creates and reads a custom resource', async () => {
    const group = `t${uniqueSuffix()}.scenic.test`;
    const ext = kube.kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `probes.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'probes', singular: 'probe', kind: 'Probe' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
    // A new CRD takes a moment to be served.
    let created: unknown;
    for (let i = 0; i < 50 && !created; i++) {
      created = await custom
        .createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace: kube.namespace,
          plural: 'probes',
          body: { apiVersion: `${group}/v1`, kind: 'Probe', metadata: { name: 'p1' }, spec: { size: 3 } },
        })
        .catch(async () => new Promise<undefined>((res) => setTimeout(() => res(undefined), 100)));
    }
    expect(created).toBeTruthy();
    const got = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: kube.namespace,
      plural: 'probes',
      name: 'p1',
    })) as { spec: { size: number } };
    expect(got.spec.size).toBe(3);

    // The schema is enforced by the real API server.
    await expect(
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: kube.namespace,
        plural: 'probes',
        body: { apiVersion: `${group}/v1`, kind: 'Probe', metadata: { name: 'p2' }, spec: { size: 0 } },
      }),
    ).rejects.toThrow(/size/);
    await ext.deleteCustomResourceDefinition({ name: `probes.${group}` });
  });
});
