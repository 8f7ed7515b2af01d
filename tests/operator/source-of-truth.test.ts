import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea, ScenicAreaSpec } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, runOperator, waitFor } from './support.js';

/**
 * Issue 16, "one source of truth" (ADR 0010): what a ScenicArea declares is what the API
 * sells to. The catalog starts out saying something else (50 a day, one all-day slot);
 * the operator, watching the real kube-apiserver, writes the declared capacity and slots
 * into Postgres and Redis; a change of `spec.capacity.daily` and of one slot's capacity
 * is sold to exactly, within a second; the admin API refuses to change a declared field
 * and says which resource declares it; a manual pause is an override the operator keeps.
 */
const kube = useKube();
const api = useApi({ app: { rateLimits: false } });
let client: KubeClient;
let op: OperatorHandle;
let box: string;
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 1);
let person = 0;

const spec = (daily: number, morning: number): ScenicAreaSpec =>
  areaSpec({
    areaId: 'truth',
    capacity: { daily },
    timeSlots: [
      { name: 'morning', start: '09:00', end: '12:00', capacity: morning },
      { name: 'afternoon', start: '12:00', end: '17:00', capacity: 8 },
    ],
    channels: [{ name: 'box-office', kind: 'onsite' }],
    dataPlane: { ...areaSpec().dataPlane, redisPrefix: api.cfg.REDIS_PREFIX },
  });
const getArea = () => client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'truth'));
const condition = (a: ScenicArea, type: string) => a.status?.conditions?.find((c) => c.type === type);

/** One box-office ticket (on-site channels sell up to red = 100 % of the day). */
async function sell(slotId: string): Promise<{ status: number; code?: string }> {
  const r = await api.call('POST', '/v1/orders', {
    headers: { 'idempotency-key': randomUUID() },
    key: box,
    body: {
      areaId: 'truth',
      date: D,
      slotId,
      items: [{ productId: 'adult', visitors: [{ name: 'K', idNumber: residentId('19810101', person++) }] }],
    },
  });
  return { status: r.status, code: r.body.code as string | undefined };
}

async function sellTimes(slotId: string, n: number) {
  for (let i = 0; i < n; i++) expect((await sell(slotId)).status, `${slotId} #${i + 1}`).toBe(201);
}

/** The catalog as the admin API takes it (what the console edits), without the declared fields. */
function catalogOnly() {
  const {
    id: _id,
    dailyCapacity: _d,
    slots: _s,
    thresholds: _t,
    timezone: _z,
    ...rest
  } = demoArea({ id: 'truth' });
  return { ...rest, quotas: [], name: 'Truth Gardens' };
}

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  box = await api.key('box-office', 'box-office');
  await api.seed(
    demoArea({
      id: 'truth',
      dailyCapacity: 50,
      instantCapacity: 50,
      slots: [{ id: 'allday', startsAt: '08:00', endsAt: '18:00', capacity: 50 }],
      quotas: [],
    }),
  );
  await applyCrds(kube.kc);
  op = await runOperator({
    kc: kube.kc,
    redisUrl: api.cfg.REDIS_URL!,
    redisPrefix: api.cfg.REDIS_PREFIX,
    namespace: kube.namespace,
    db: api.platform.db,
  });
  await applyAs(client, RT.area, area('truth', kube.namespace, spec(10, 6)));
  await waitFor(async () => condition(await getArea(), 'DataPlaneSynced')?.status === 'True' || undefined);
});
afterAll(async () => {
  await op?.stop();
});

describe('16 one source of truth: the ScenicArea declares, the API sells to it', () => {
  it('sells to the declared capacity and slots, not to what the catalog said before', async () => {
    expect((await sell('allday')).code).toBe('invalid_order'); // no such slot any more
    await sellTimes('morning', 6);
    expect((await sell('morning')).code).toBe('slot_sold_out');
    await sellTimes('afternoon', 4);
    expect((await sell('afternoon')).code).toBe('day_sold_out'); // 10 of 10, with room in the slot
  });

  it('sells to a new spec.capacity.daily and a new slot capacity within one second, exactly', async () => {
    const t0 = Date.now();
    await applyAs(client, RT.area, area('truth', kube.namespace, spec(14, 8)));
    // the first sale the new morning capacity allows, as soon as it is allowed
    for (;;) {
      const r = await sell('morning');
      if (r.status === 201) break;
      expect(['day_sold_out', 'slot_sold_out']).toContain(r.code); // the old limits, until they change
      if (Date.now() - t0 > 1_000) throw new Error('still selling to the old limits after 1 s');
      await new Promise((res) => setTimeout(res, 20));
    }
    const took = Date.now() - t0;
    expect(took).toBeLessThanOrEqual(1_000);
    await sellTimes('morning', 1); // 8 of 8 (the day: 12 of 14)
    expect((await sell('morning')).code).toBe('slot_sold_out');
    await sellTimes('afternoon', 2); // the day: 14 of the new 14, the slot 6 of 8
    expect((await sell('afternoon')).code).toBe('day_sold_out');
    const a = await waitFor(async () => {
      const x = await getArea();
      return x.status?.observedGeneration === x.metadata.generation ? x : undefined;
    });
    expect(condition(a, 'DataPlaneSynced')).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('the admin API refuses to change a declared field, naming the field and the resource', async () => {
    const view = await api.call('GET', '/v1/admin/areas/truth', { key: api.adminKey });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      dailyCapacity: 14,
      declared: {
        by: `ScenicArea ${kube.namespace}/truth`,
        resource: { kind: 'ScenicArea', namespace: kube.namespace, name: 'truth' },
        fields: ['timezone', 'dailyCapacity', 'thresholds', 'slots', 'quotas.box-office'],
      },
    });

    const refused = await api.call('PUT', '/v1/admin/areas/truth', {
      key: api.adminKey,
      body: {
        ...catalogOnly(),
        dailyCapacity: 99,
        slots: [{ id: 'x', startsAt: '08:00', endsAt: '09:00', capacity: 5 }],
      },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'field_declared_by_resource',
      declaredBy: { kind: 'ScenicArea', namespace: kube.namespace, name: 'truth' },
    });
    expect((refused.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
      'dailyCapacity',
      'slots',
    ]);

    // the catalog's own fields are still the admin's: the name changes, the declared ones do not
    const ok = await api.call('PUT', '/v1/admin/areas/truth', { key: api.adminKey, body: catalogOnly() });
    expect(ok.status).toBe(200);
    const after = await api.call('GET', '/v1/admin/areas/truth', { key: api.adminKey });
    expect(after.body).toMatchObject({ name: 'Truth Gardens', dailyCapacity: 14 });
    expect((after.body.slots as { id: string; capacity: number }[]).map((s) => [s.id, s.capacity])).toEqual([
      ['morning', 8],
      ['afternoon', 8],
    ]);
    expect((await sell('afternoon')).code).toBe('day_sold_out');
  });
});

describe('a closed day declared by the ScenicArea', () => {
  it('stops every sale of that day; the admin API cannot reopen it, the catalog can once undeclared', async () => {
    const closed = (dates: string[]) => ({ ...spec(14, 8), closures: { dates } });
    await applyAs(client, RT.area, area('truth', kube.namespace, closed([D])));
    await waitFor(async () => ((await sell('afternoon')).code === 'invalid_order' ? true : undefined));
    const view = await api.call('GET', '/v1/admin/areas/truth', { key: api.adminKey });
    expect(view.body).toMatchObject({ closures: { weekdays: [], dates: [D] } });
    expect((view.body.declared as { fields: string[] }).fields).toContain('closures');
    const reopen = await api.call('PUT', '/v1/admin/areas/truth', {
      key: api.adminKey,
      body: { ...catalogOnly(), closures: { weekdays: [], dates: [] } },
    });
    expect(reopen.status).toBe(409);
    expect((reopen.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['closures']);
    // left out of the spec, the closure is the catalog's again: kept until the admin reopens the day
    await applyAs(client, RT.area, area('truth', kube.namespace, spec(14, 8)));
    await waitFor(async () => {
      const v = await api.call('GET', '/v1/admin/areas/truth', { key: api.adminKey });
      return (v.body.declared as { fields: string[] }).fields.includes('closures') ? undefined : true;
    });
    const ok = await api.call('PUT', '/v1/admin/areas/truth', {
      key: api.adminKey,
      body: { ...catalogOnly(), closures: { weekdays: [], dates: [] } },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await waitFor(async () => ((await sell('afternoon')).code === 'day_sold_out' ? true : undefined));
  });
});

describe('16 manual pause: an override the operator keeps and reports', () => {
  const channelOf = (a: ScenicArea) => a.status?.channels?.find((c) => c.name === 'box-office');
  const switchIt = (action: 'pause' | 'resume', reason: string) =>
    api.call('POST', `/v1/admin/areas/truth/channels/box-office/${action}`, {
      key: api.adminKey,
      body: { reason },
    });

  it('is reported with who, when and why, survives reconciles, and only a resume lifts it', async () => {
    await applyAs(client, RT.area, area('truth', kube.namespace, spec(20, 8)));
    // room again: the channel sells (as soon as the new capacity is the selling path's)
    await waitFor(async () => (await sell('afternoon')).status === 201 || undefined, 2_000, 25);
    const t0 = Date.now();
    expect((await switchIt('pause', 'bus crash on the access road')).status).toBe(200);
    const paused = await waitFor(async () => {
      const a = await getArea();
      return channelOf(a)?.override ? a : undefined;
    }, 5_000);
    expect(channelOf(paused)).toMatchObject({
      state: 'Paused',
      reason: 'ManualOverride',
      override: { by: expect.stringMatching(/^staff:/) as string, reason: 'bus crash on the access road' },
    });
    expect(Date.parse(channelOf(paused)!.override!.at)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);

    // the operator reconciles everything again (a resync, a spec change): the override stays
    op.resync();
    await applyAs(client, RT.area, area('truth', kube.namespace, spec(21, 8)));
    await waitFor(async () => {
      const a = await getArea();
      return a.status?.observedGeneration === a.metadata.generation || undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await sell('afternoon')).code).toBe('channel_paused');
    expect(channelOf(await getArea())?.override?.reason).toBe('bus crash on the access road');

    expect((await switchIt('resume', 'road cleared')).status).toBe(200);
    const resumed = await waitFor(async () => {
      const a = await getArea();
      return channelOf(a)?.state === 'Open' ? a : undefined;
    }, 5_000);
    expect(channelOf(resumed)?.override).toBeUndefined();
    expect((await sell('afternoon')).status).toBe(201);
  });
});
