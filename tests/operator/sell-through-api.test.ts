import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { localParts } from '../../core/time.js';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, events, runOperator, waitFor } from './support.js';

/**
 * The whole loop with nothing simulated: tickets sold through the HTTP API cross 85 %
 * and then 100 % of the day's capacity; the reservation script publishes each level at
 * the sale that crosses it, and the operator (watching the real kube-apiserver) shows
 * it in the ScenicArea status and as an Event within one second.
 */
const kube = useKube();
const api = useApi({ app: { rateLimits: false } });
let client: KubeClient;
let op: OperatorHandle;
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  await api.seed(
    demoArea({
      id: 'e2e',
      dailyCapacity: 20,
      instantCapacity: 20,
      slots: [{ id: 'allday', startsAt: '00:00', endsAt: '23:59', capacity: 20 }],
      quotas: [],
    }),
  );
  await applyCrds(kube.kc);
  op = await runOperator({
    kc: kube.kc,
    redisUrl: api.cfg.REDIS_URL!,
    redisPrefix: api.cfg.REDIS_PREFIX,
    namespace: kube.namespace,
  });
  await applyAs(
    client,
    RT.area,
    area(
      'e2e',
      kube.namespace,
      areaSpec({
        areaId: 'e2e',
        capacity: { daily: 20 },
        dataPlane: { ...areaSpec().dataPlane, redisPrefix: api.cfg.REDIS_PREFIX },
        channels: [
          { name: 'web', kind: 'online' },
          { name: 'box-office', kind: 'onsite' },
        ],
      }),
    ),
  );
  await waitFor(async () => (await getArea()).status?.channels?.length === 2 || undefined);
});
afterAll(async () => {
  await op?.stop();
});

const getArea = () => client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'e2e'));
let person = 0;
const sell = (units: number, key?: string) =>
  api.call('POST', '/v1/orders', {
    headers: { 'idempotency-key': randomUUID() },
    key,
    body: {
      areaId: 'e2e',
      date: TODAY,
      slotId: 'allday',
      items: [
        {
          productId: 'adult',
          visitors: Array.from({ length: units }, () => ({
            name: 'K',
            idNumber: residentId('19810101', person++),
          })),
        },
      ],
    },
  });

describe('selling through the API moves the ScenicArea status', () => {
  it('shows orange at 85 % and red at 100 % within one second, with Events', async () => {
    expect((await sell(16)).status).toBe(201); // 80 %: yellow
    let t0 = Date.now();
    expect((await sell(1)).status).toBe(201); // 17 of 20 = 85 %: the sale that crosses orange
    await waitFor(
      async () =>
        (await getArea()).status?.levels?.find((l) => l.date === TODAY)?.level === 'orange'
          ? true
          : undefined,
      1_000,
      25,
    );
    await waitFor(
      async () =>
        (await events(client, kube.namespace)).find(
          (e) => e.reason === 'CapacityLevelRaised' && e.message.includes('→ orange'),
        ),
      1_000,
      25,
    );
    expect(Date.now() - t0).toBeLessThanOrEqual(1_000);
    expect((await sell(1)).body.code).toBe('online_closed'); // online stops at the crossing sale

    const box = await api.key('box-office', 'box-office');
    expect((await sell(2, box)).status).toBe(201); // 19
    t0 = Date.now();
    expect((await sell(1, box)).status).toBe(201); // 20 of 20: red
    const a = await waitFor(
      async () => {
        const x = await getArea();
        return x.status?.levels?.find((l) => l.date === TODAY)?.level === 'red' ? x : undefined;
      },
      1_000,
      25,
    );
    await waitFor(
      async () =>
        (await events(client, kube.namespace)).find(
          (e) => e.reason === 'CapacityLevelRaised' && e.message.includes('→ red'),
        ),
      1_000,
      25,
    );
    expect(Date.now() - t0).toBeLessThanOrEqual(1_000);
    expect(a.status?.levels?.find((l) => l.date === TODAY)).toMatchObject({ used: 20, capacity: 20 });
    expect((await sell(1, box)).body.code).toBe('day_sold_out');
  });
});
