import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import { KubeClient, resourcePath, type KubeObject } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { SalesWindow, ScenicArea } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, events, runOperator, salesWindow, waitFor } from './support.js';

const kube = useKube();
const redis = useRedis();
let client: KubeClient;
let op: OperatorHandle | undefined;

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  await applyCrds(kube.kc);
});
afterAll(async () => op?.stop());

const start = () =>
  runOperator({ kc: kube.kc, redisUrl: redis.url, redisPrefix: redis.prefix, namespace: kube.namespace });
const hpaMin = async (name: string) =>
  (
    await client.get<{ spec: { minReplicas: number } } & KubeObject>(
      resourcePath(RT.hpa, kube.namespace, name),
    )
  ).spec.minReplicas;
const phase = async (name: string) =>
  (await client.get<SalesWindow>(resourcePath(RT.window, kube.namespace, name))).status?.phase;
const switchOf = (channel: string) => redis.redis.hget('sw:{rush}', channel);
const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

/** Polls `probe` until it returns `want`; returns when (ms since epoch) it first did. */
async function whenEquals<T>(probe: () => Promise<T>, want: T, timeoutMs: number): Promise<number> {
  await waitFor(async () => (await probe()) === want || undefined, timeoutMs, 50);
  return Date.now();
}

describe('SalesWindow: pre-scale, open, close, restore', () => {
  it('raises the floor at opensAt − lead, opens channels at opensAt, restores after closesAt, across a restart', async () => {
    op = await start();
    await applyAs(
      client,
      RT.area,
      area(
        'rush',
        kube.namespace,
        areaSpec({
          dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix },
          channels: [
            { name: 'mini-program', kind: 'online', windowed: true },
            { name: 'box-office', kind: 'onsite' },
          ],
          api: { minReplicas: 2, maxReplicas: 40, requestsPerSecondPerPod: 200 },
          worker: { minReplicas: 1, maxReplicas: 20, requestsPerSecondPerPod: 500 },
          preScale: { headroom: 1.5, coolDownSeconds: 2 },
        }),
      ),
    );
    await whenEquals(() => hpaMin('rush-api'), 2, 15_000);
    // Outside its window the windowed channel is switched off in the data plane.
    await whenEquals(() => switchOf('mini-program'), 'paused', 5_000);
    expect(await switchOf('box-office')).toBeNull();

    const opensAt = Math.ceil((Date.now() + 20_000) / 1000) * 1000;
    const closesAt = opensAt + 6_000;
    const scaleFrom = opensAt - 10_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const spec = {
      areaRef: { name: 'rush' },
      opensAt: iso(opensAt),
      closesAt: iso(closesAt),
      channels: ['mini-program'],
      expectedPeakRps: 4000,
      preScaleLeadSeconds: 10,
    };
    await applyAs(client, RT.window, salesWindow('new-year', kube.namespace, spec));
    // An overlapping, smaller window: the floor is the maximum of the two.
    await applyAs(
      client,
      RT.window,
      salesWindow('small', kube.namespace, { ...spec, expectedPeakRps: 2000 }),
    );
    await whenEquals(() => phase('new-year'), 'Scheduled', 5_000);

    // 4000 rps ÷ 200 per pod × 1.5 = 30 API pods; ÷ 500 × 1.5 = 12 workers.
    const raised = await whenEquals(() => hpaMin('rush-api'), 30, scaleFrom - Date.now() + 3_000);
    expect(raised - scaleFrom).toBeGreaterThanOrEqual(0);
    expect(raised - scaleFrom).toBeLessThanOrEqual(1_000);
    await whenEquals(() => hpaMin('rush-worker'), 12, 3_000); // applied right after the API's HPA
    expect(await phase('new-year')).toBe('PreScaling');
    // The waiting room opens with the window and admits what the ready API pods can
    // serve: none is ready here (no kubelet), so one pod's 200 rps × 80 %.
    const room = await redis.redis.hgetall('wr:{rush}');
    expect(Number(room.opens)).toBe(opensAt);
    expect(Number(room.rate)).toBe(160);
    const w = await client.get<SalesWindow>(resourcePath(RT.window, kube.namespace, 'new-year'));
    expect(w.status?.replicas).toMatchObject({
      api: { requested: 30, capped: false },
      worker: { requested: 12 },
    });
    // the area's status follows its children; give it its reconcile
    const a = await waitFor(
      async () => {
        const x = await client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'rush'));
        return x.status?.preScaledBy?.length === 2 ? x : undefined;
      },
      2_000,
      25,
    );
    expect(a.status?.preScaledBy).toEqual(['new-year', 'small']);
    expect(await switchOf('mini-program')).toBe('paused');

    const opened = await whenEquals(() => switchOf('mini-program'), null, opensAt - Date.now() + 3_000);
    expect(opened - opensAt).toBeGreaterThanOrEqual(0);
    expect(opened - opensAt).toBeLessThanOrEqual(1_000);
    await whenEquals(() => phase('new-year'), 'Open', 2_000);

    // Kill the operator mid-window and start a new one: it lands in the same state.
    await op.stop();
    op = await start();
    await sleepUntil(opensAt + 2_500);
    expect(await hpaMin('rush-api')).toBe(30);
    expect(await switchOf('mini-program')).toBeNull();
    expect(await phase('new-year')).toBe('Open');

    const closed = await whenEquals(() => switchOf('mini-program'), 'paused', closesAt - Date.now() + 3_000);
    expect(closed - closesAt).toBeLessThanOrEqual(1_000);
    const restored = await whenEquals(() => hpaMin('rush-api'), 2, closesAt + 2_000 - Date.now() + 3_000);
    expect(restored - (closesAt + 2_000)).toBeGreaterThanOrEqual(0);
    expect(restored - (closesAt + 2_000)).toBeLessThanOrEqual(1_000);
    // the worker HPA is applied right after the API's, in the same reconcile: a poll can fall between the two
    await whenEquals(() => hpaMin('rush-worker'), 1, 3_000);
    expect(await phase('new-year')).toBe('Closed');

    const evs = await events(client, kube.namespace);
    const reasons = evs.filter((e) => e.involvedObject.name === 'rush').map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['PreScaled', 'FloorRestored', 'ChannelResumed', 'ChannelPaused']),
    );
    const phases = evs.filter((e) => e.involvedObject.name === 'new-year').map((e) => e.reason);
    expect(phases).toEqual(expect.arrayContaining(['Scheduled', 'PreScaling', 'Open', 'Closed']));
  }, 90_000);
});
