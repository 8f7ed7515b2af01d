import http from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import {
  eventsChannel,
  type ChannelSwitchEvent,
  type LevelChangeEvent,
} from '../../core/inventory/events.js';
import { localDate } from '../../core/time.js';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea } from '../../operator/api/types.js';
import { DEFAULT_TENANCY, type OperatorHandle } from '../../operator/operator.js';
import { setManualPause } from '../../core/inventory/switches.js';
import { applyAs, applyCrds, area, areaSpec, events, runOperator, waitFor } from './support.js';

const kube = useKube();
const redis = useRedis();
let client: KubeClient;
let op: OperatorHandle;
let pub: Redis;
let hookServer: http.Server;
const hooks: { level: string; diversionPlan: string | null }[] = [];

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  pub = new Redis(redis.url); // pub/sub channels carry the prefix themselves
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as (typeof hooks)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  await applyCrds(kube.kc);
  const port = (hookServer.address() as { port: number }).port;
  op = await runOperator({
    kc: kube.kc,
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    namespace: kube.namespace,
    // a plain-http receiver is allowed only because the operator's allow-list names it so (17.13)
    tenancy: { ...DEFAULT_TENANCY, hookAllowlist: [`http://127.0.0.1:${port}`] },
  });
  await applyAs(
    client,
    RT.area,
    area(
      'lake',
      kube.namespace,
      areaSpec({
        areaId: 'west-lake',
        dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix },
        thresholds: { red: { diversionPlan: 'Please visit the east garden first' } },
        hooks: [{ name: 'ops', url: `http://127.0.0.1:${port}/hook`, levels: ['orange', 'red'] }],
      }),
    ),
  );
  await waitFor(async () => (await getArea()).status?.channels?.length === 3 || undefined);
});
afterAll(async () => {
  await op?.stop();
  pub?.disconnect();
  hookServer?.close();
});

const getArea = () => client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'lake'));
const today = () => localDate(new Date(), 'Asia/Shanghai');
const channel = (a: ScenicArea, name: string) => a.status?.channels?.find((c) => c.name === name);

/** What the reservation script publishes at the sale that crosses a threshold. */
function publishLevel(e: Partial<LevelChangeEvent>) {
  const event: LevelChangeEvent = {
    type: 'capacity-level',
    areaId: 'west-lake',
    date: today(),
    level: 'yellow',
    previous: 'green',
    used: 0,
    capacity: 5000,
    at: Date.now(),
    ...e,
  };
  return pub.publish(eventsChannel(redis.prefix), JSON.stringify(event));
}

describe('capacity levels from the data plane', () => {
  it.each([
    [
      'orange',
      'yellow',
      4250,
      'closes online channels',
      { 'mini-program': 'Closed', ota: 'Closed', 'box-office': 'Open' },
    ],
    [
      'red',
      'orange',
      5000,
      'closes every channel',
      { 'mini-program': 'Closed', ota: 'Closed', 'box-office': 'Closed' },
    ],
  ] as const)(
    '%s shows in the status and as an Event within one second, and %s',
    async (level, previous, used, _what, states) => {
      const t0 = Date.now();
      await publishLevel({ level, previous, used });
      const a = await waitFor(
        async () => {
          const x = await getArea();
          return x.status?.levels?.find((l) => l.date === today())?.level === level ? x : undefined;
        },
        1_000,
        25,
      );
      const shownIn = Date.now() - t0;
      const ev = await waitFor(
        async () =>
          (await events(client, kube.namespace)).find(
            (e) => e.reason === 'CapacityLevelRaised' && e.message.includes(`→ ${level}`),
          ),
        1_000,
        25,
      );
      expect(Date.now() - t0).toBeLessThanOrEqual(1_000);
      expect(shownIn).toBeLessThanOrEqual(1_000);
      expect(ev.type).toBe('Warning');
      expect(a.status?.levels?.find((l) => l.date === today())).toMatchObject({ used, capacity: 5000 });
      const after = await waitFor(
        async () => {
          const x = await getArea();
          return Object.entries(states).every(([name, s]) => channel(x, name)?.state === s) ? x : undefined;
        },
        1_000,
        25,
      );
      expect(Date.now() - t0).toBeLessThanOrEqual(1_000);
      expect(channel(after, 'mini-program')).toMatchObject({
        reason: 'CapacityReached',
        closedDates: [today()],
      });
      await waitFor(() => Promise.resolve(hooks.some((h) => h.level === level) || undefined), 2_000);
    },
  );

  it('sends the diversion plan to the hooks at red, and ignores a stale event', async () => {
    expect(hooks.find((h) => h.level === 'red')?.diversionPlan).toBe('Please visit the east garden first');
    await publishLevel({ level: 'yellow', previous: 'green', used: 3500, at: Date.now() - 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await getArea()).status?.levels?.find((l) => l.date === today())?.level).toBe('red');
  });

  it('follows a level lowered by refunds (the data plane applies hysteresis)', async () => {
    await publishLevel({ level: 'yellow', previous: 'red', used: 3600 });
    const a = await waitFor(async () => {
      const x = await getArea();
      return channel(x, 'mini-program')?.state === 'Open' ? x : undefined;
    }, 2_000);
    expect(a.status?.levels?.find((l) => l.date === today())?.level).toBe('yellow');
    const evs = await events(client, kube.namespace);
    expect(evs.some((e) => e.reason === 'CapacityLevelLowered' && e.type === 'Normal')).toBe(true);
  });
});

describe('manual pause in the spec', () => {
  it('is pushed to the data plane, put back when cleared behind its back, and lifted when removed', async () => {
    const sub = new Redis(redis.url);
    const switches: ChannelSwitchEvent[] = [];
    sub.on('message', (_c: string, m: string) => {
      const e = JSON.parse(m) as ChannelSwitchEvent;
      if (e.type === 'channel-switch') switches.push(e);
    });
    await sub.subscribe(eventsChannel(redis.prefix));
    const setPaused = async (paused: boolean) => {
      const cur = await getArea();
      const channels = (cur.spec.channels ?? []).map((c) =>
        c.name === 'ota'
          ? { ...c, paused, ...(paused ? { pauseReason: 'partner dispute' } : { pauseReason: undefined }) }
          : c,
      );
      await applyAs(client, RT.area, area('lake', kube.namespace, { ...cur.spec, channels }));
    };
    try {
      const t0 = Date.now();
      await setPaused(true);
      await waitFor(
        async () => (await redis.redis.hget('sw:{west-lake}', 'ota')) === 'paused' || undefined,
        2_000,
        25,
      );
      expect(Date.now() - t0).toBeLessThanOrEqual(1_500);
      await waitFor(
        () =>
          Promise.resolve(
            switches.some((s) => s.channelId === 'ota' && s.paused && s.actor === 'scenic-operator') ||
              undefined,
          ),
        2_000,
      );
      const a = await waitFor(async () => {
        const x = await getArea();
        return channel(x, 'ota')?.state === 'Paused' ? x : undefined;
      });
      expect(channel(a, 'ota')).toMatchObject({ reason: 'ManualPause', message: 'partner dispute' });

      // Staff resume the channel (the admin API's resume): that lifts staff overrides only,
      // never the spec's pause.
      await setManualPause(redis.redis, {
        prefix: redis.prefix,
        areaId: 'west-lake',
        channelId: 'ota',
        paused: false,
        actor: 'staff:42',
        reason: 'oops',
        now: Date.now(),
        clearDeclared: false,
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(await redis.redis.hget('sw:{west-lake}', 'ota')).toBe('paused');
      // Someone clears the declared switch behind the operator's back: the spec wins.
      await redis.redis.hdel('sw:{west-lake}', 'ota');
      await pub.publish(
        eventsChannel(redis.prefix),
        JSON.stringify({
          type: 'channel-switch',
          areaId: 'west-lake',
          channelId: 'ota',
          paused: false,
          actor: 'staff:42',
          reason: 'oops',
          at: Date.now(),
        }),
      );
      await waitFor(
        async () => (await redis.redis.hget('sw:{west-lake}', 'ota')) === 'paused' || undefined,
        2_000,
        25,
      );

      await setPaused(false);
      await waitFor(
        async () => (await redis.redis.hget('sw:{west-lake}', 'ota')) === null || undefined,
        2_000,
        25,
      );
      await waitFor(
        () =>
          Promise.resolve(
            switches.some((s) => s.channelId === 'ota' && !s.paused && s.actor === 'scenic-operator') ||
              undefined,
          ),
        2_000,
      );
    } finally {
      sub.disconnect();
    }
  });
});

/**
 * Before ADR 0010 the operator owned every switch of a declared channel, and put a staff
 * pause (the admin API's) back to what the spec said at its next reconcile: this test
 * asserted "the spec wins over another writer". A staff pause is now an override of its
 * own, which the operator keeps and reports; only a staff resume lifts it.
 */
describe('a staff pause (admin API, console)', () => {
  it('is an override the operator keeps through reconciles and reports with who, when and why', async () => {
    const staff = (paused: boolean) =>
      setManualPause(redis.redis, {
        prefix: redis.prefix,
        areaId: 'west-lake',
        channelId: 'mini-program',
        paused,
        actor: 'staff:7',
        reason: paused ? 'bus crash on the access road' : 'road cleared',
        now: Date.now(),
        clearDeclared: false,
      });
    const at = Date.now();
    await staff(true);
    const a = await waitFor(async () => {
      const x = await getArea();
      return channel(x, 'mini-program')?.override ? x : undefined;
    }, 2_000);
    expect(channel(a, 'mini-program')).toMatchObject({
      state: 'Paused',
      reason: 'ManualOverride',
      override: { by: 'staff:7', reason: 'bus crash on the access road' },
    });
    expect(Date.parse(channel(a, 'mini-program')!.override!.at)).toBeGreaterThanOrEqual(
      Math.floor(at / 1000) * 1000,
    );

    // every controller reconciles again, and the spec changes: the override stays
    op.resync();
    const cur = await getArea();
    await applyAs(client, RT.area, area('lake', kube.namespace, { ...cur.spec, capacity: { daily: 5001 } }));
    await waitFor(async () => {
      const x = await getArea();
      return x.status?.observedGeneration === x.metadata.generation || undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.redis.hget('sw:{west-lake}', '@mini-program')).toContain('staff:7');
    expect(channel(await getArea(), 'mini-program')?.state).toBe('Paused');

    await staff(false);
    const resumed = await waitFor(async () => {
      const x = await getArea();
      return channel(x, 'mini-program') && !channel(x, 'mini-program')!.override ? x : undefined;
    }, 2_000);
    expect(channel(resumed, 'mini-program')?.state).not.toBe('Paused');
    expect(await redis.redis.hget('sw:{west-lake}', '@mini-program')).toBeNull();
  });
});
