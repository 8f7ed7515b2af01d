import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, runOperator, waitFor } from './support.js';

const kube = useKube();
const redis = useRedis();
let client: KubeClient;
const running: OperatorHandle[] = [];

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  await applyCrds(kube.kc);
});
afterAll(async () => Promise.all(running.map((o) => o.stop())));

/** Short lease timings keep the test quick; the production defaults are 15 s / 10 s / 2 s. */
const lease = { durationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };
async function start(identity: string) {
  const op = await runOperator({
    kc: kube.kc,
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    namespace: kube.namespace,
    identity,
    lease,
  });
  running.push(op);
  return op;
}
const reconciles = async (op: OperatorHandle) =>
  [...(await op.metrics.render()).matchAll(/scenic_operator_reconcile_total\{[^}]*\} (\d+)/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
const leaseHolder = async () =>
  (
    await client.get<{ spec: { holderIdentity?: string } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${kube.namespace}/leases/scenic-operator`,
    )
  ).spec.holderIdentity;

describe('leader election', () => {
  it('only the lease holder acts; the other takes over when it stops', async () => {
    const a = await start('replica-a');
    await waitFor(() => Promise.resolve(a.isLeader || undefined));
    const b = await start('replica-b');
    await applyAs(client, RT.area, area('one', kube.namespace, areaSpec()));
    await waitFor(
      async () =>
        (await client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'one'))).status
          ?.observedGeneration === 1 || undefined,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(b.isLeader).toBe(false);
    expect(await reconciles(b)).toBe(0);
    expect(await reconciles(a)).toBeGreaterThan(0);
    expect(await leaseHolder()).toBe('replica-a');

    await a.stop(); // graceful: releases the lease
    await waitFor(() => Promise.resolve(b.isLeader || undefined), 5_000);
    await applyAs(
      client,
      RT.area,
      area('one', kube.namespace, areaSpec({ api: { minReplicas: 4, maxReplicas: 8 } })),
    );
    await waitFor(
      async () =>
        (await client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'one'))).status
          ?.observedGeneration === 2 || undefined,
    );
    expect(await reconciles(b)).toBeGreaterThan(0);
    expect(await leaseHolder()).toBe('replica-b');
  });

  it('a leader that loses its lease stops (and main exits 1); a crashed leader is replaced after the lease expires', async () => {
    const current = running.find((o) => o.isLeader)!;
    // Another process takes the lease (e.g. after a long GC pause of ours): we must stop.
    const path = `/apis/coordination.k8s.io/v1/namespaces/${kube.namespace}/leases/scenic-operator`;
    // The leader renews often in this test, so our read-modify-write may lose the race
    // (409 Conflict): read again and retry, as any client of optimistic concurrency must.
    for (let attempt = 0; ; attempt++) {
      const l = await client.get<{ spec: Record<string, unknown> }>(path);
      l.spec = {
        ...l.spec,
        holderIdentity: 'ghost',
        renewTime: new Date().toISOString().replace('Z', '000Z'),
        leaseDurationSeconds: 3,
      };
      try {
        await client.replace(path, l);
        break;
      } catch (e) {
        if (attempt >= 20 || !/409/.test((e as Error).message)) throw e;
      }
    }
    expect(await current.done).toBe('lost');
    expect(current.isLeader).toBe(false);

    // "ghost" never renews: a new replica takes over once the lease has been stale for its duration.
    const t0 = Date.now();
    const c = await start('replica-c');
    await waitFor(() => Promise.resolve(c.isLeader || undefined), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_500);
    expect(await leaseHolder()).toBe('replica-c');
  });
});
