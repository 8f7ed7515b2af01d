import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { alertmanagerNotification } from '../../fakes/alertmanager.js';
import { levelOf } from '../../core/screen/rules.js';
import { useApi } from '../support/platform.js';
import { declareZones } from '../zones/support.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from './support.js';

/**
 * Issue 21, the crowd screen's open alerts and zone heat, through the whole app:
 * Alertmanager's webhook reaches the alert relay, the alert shows on the area's snapshot
 * (and on no other area's), a repeat of the firing changes nothing, the resolution clears
 * it whatever order the two arrive in; zone heat is each zone's people against its
 * instantaneous capacity and level.
 */
const TOKEN = randomBytes(24).toString('hex');
process.env.SCENIC_ALERT_RELAY_TOKEN = TOKEN; // read when useApi builds the app
process.env.SCENIC_ALERT_ROBOTS = JSON.stringify([
  { name: 'ops-wecom', kind: 'wecom', url: 'http://127.0.0.1:9/never-called' },
]);
process.env.SCENIC_SCREEN_TRUSTED_NETWORKS = '127.0.0.0/8';

const AREA = 'scr-alerts';
const OTHER = 'scr-alerts-b';

type Alert = Record<string, unknown>;
const alert = (o: {
  name: string;
  area?: string;
  severity: string;
  status?: 'firing' | 'resolved';
  startsAt: string;
  fingerprint: string;
}): Alert => ({
  status: o.status ?? 'firing',
  labels: { alertname: o.name, severity: o.severity, ...(o.area ? { area: o.area } : {}) },
  annotations: { summary: `${o.name} in English`, summary_zh: `${o.name} 中文` },
  startsAt: o.startsAt,
  endsAt: o.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
  fingerprint: o.fingerprint,
});

describe('21 crowd screen: open alerts and zone heat', () => {
  const api = useApi({ app: { rateLimits: false } });
  const relay = async (alerts: Alert[], status: 'firing' | 'resolved' = 'firing') => {
    const r = await api.call('POST', '/alerts/v1/relay/ops-wecom', {
      headers: { authorization: `Bearer ${TOKEN}` },
      body: alertmanagerNotification({ status, alerts, commonLabels: {}, groupLabels: {} }),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const snapshot = async (areaId = AREA) => {
    const r = await api.call('GET', `/screen/v1/areas/${areaId}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as {
      alerts: { id: string; name: string; severity: string; summary: string; summaryZh: string | null }[];
      zones: {
        zoneId: string;
        name: { zh: string; en: string };
        inZone: number;
        capacity: number;
        pct: number;
        level: string;
      }[];
    };
  };
  const startsAt = new Date(Date.now() - 60_000).toISOString();

  let today: string;
  beforeAll(async () => {
    today = await seedScreenArea(api, AREA, 100);
    await seedScreenArea(api, OTHER, 100);
  }, 60_000);

  it('21 shows an area its firing alerts and platform-wide ones, most severe first, never another area’s', async () => {
    expect((await snapshot()).alerts).toEqual([]);
    await relay([
      alert({ name: 'ScenicCapacityOrange', area: AREA, severity: 'warning', startsAt, fingerprint: 'fa01' }),
      alert({ name: 'ScenicGateOffline', area: AREA, severity: 'critical', startsAt, fingerprint: 'fa02' }),
      alert({
        name: 'ScenicOtherAreaFull',
        area: OTHER,
        severity: 'critical',
        startsAt,
        fingerprint: 'fa03',
      }),
      alert({ name: 'ScenicApiDown', severity: 'critical', startsAt, fingerprint: 'fa04' }),
    ]);
    const s = await snapshot();
    expect(s.alerts.map((a) => [a.name, a.severity])).toEqual([
      ['ScenicGateOffline', 'critical'],
      ['ScenicApiDown', 'critical'],
      ['ScenicCapacityOrange', 'warning'],
    ]);
    expect(s.alerts[0]).toMatchObject({
      summary: 'ScenicGateOffline in English',
      summaryZh: 'ScenicGateOffline 中文',
    });
    expect((await snapshot(OTHER)).alerts.map((a) => a.name)).toEqual([
      'ScenicOtherAreaFull',
      'ScenicApiDown',
    ]);
    // a repeat of the same notification (Alertmanager's repeat_interval, a second receiver) changes nothing
    await relay([
      alert({ name: 'ScenicGateOffline', area: AREA, severity: 'critical', startsAt, fingerprint: 'fa02' }),
    ]);
    expect((await snapshot()).alerts).toHaveLength(3);
  });

  it('21 clears an alert when it resolves, and a late repeat of its firing does not bring it back', async () => {
    await relay(
      [
        alert({
          name: 'ScenicGateOffline',
          area: AREA,
          severity: 'critical',
          startsAt,
          fingerprint: 'fa02',
          status: 'resolved',
        }),
      ],
      'resolved',
    );
    expect((await snapshot()).alerts.map((a) => a.name)).toEqual(['ScenicApiDown', 'ScenicCapacityOrange']);
    await relay([
      alert({ name: 'ScenicGateOffline', area: AREA, severity: 'critical', startsAt, fingerprint: 'fa02' }),
    ]);
    expect((await snapshot()).alerts.map((a) => a.name)).not.toContain('ScenicGateOffline');
    // the same rule firing again later is a new instance: open again
    const later = new Date().toISOString();
    await relay([
      alert({
        name: 'ScenicGateOffline',
        area: AREA,
        severity: 'critical',
        startsAt: later,
        fingerprint: 'fa02',
      }),
    ]);
    expect((await snapshot()).alerts.map((a) => a.name)).toContain('ScenicGateOffline');
    // a resolution that arrives first leaves the instance resolved when its firing follows
    const early = new Date(Date.now() - 30_000).toISOString();
    await relay(
      [
        alert({
          name: 'ScenicQueueBacklog',
          area: AREA,
          severity: 'warning',
          startsAt: early,
          fingerprint: 'fa05',
          status: 'resolved',
        }),
      ],
      'resolved',
    );
    await relay([
      alert({
        name: 'ScenicQueueBacklog',
        area: AREA,
        severity: 'warning',
        startsAt: early,
        fingerprint: 'fa05',
      }),
    ]);
    expect((await snapshot()).alerts.map((a) => a.name)).not.toContain('ScenicQueueBacklog');
  });

  it('21 does not show a firing alert Alertmanager stopped repeating (its resolution was missed)', async () => {
    await relay([
      alert({ name: 'ScenicStale', area: AREA, severity: 'warning', startsAt, fingerprint: 'fa06' }),
    ]);
    expect((await snapshot()).alerts.map((a) => a.name)).toContain('ScenicStale');
    await api.platform
      .db('open_alerts')
      .where({ fingerprint: 'fa06' })
      .update({ last_seen_at: new Date(Date.now() - 6 * 3_600_000) });
    expect((await snapshot()).alerts.map((a) => a.name)).not.toContain('ScenicStale');
  });

  it('21 zone heat: each zone’s people against its instantaneous capacity, with its level', async () => {
    await declareZones(api, AREA, {
      zones: [
        { id: 'lake', name: { zh: '湖区', en: 'Lake' }, capacity: 4, entrances: ['east-gate'] },
        { id: 'hill', name: { zh: '山区', en: 'Hill' }, capacity: 50, entrances: ['north-gate'] },
      ],
    });
    const tickets = await paidTickets(api, AREA, today, 4);
    const east = await gateOf(api, AREA, 'alerts-east-1', 'east-gate');
    for (const t of tickets.slice(0, 3)) await scanIn(api, east, t);
    const zones = (await snapshot()).zones;
    // the level is the area's thresholds on the zone's capacity, the same rule as the park's
    const area = (await api.platform.db('areas').where({ id: AREA }).first())!;
    expect(zones).toEqual([
      {
        zoneId: 'lake',
        name: { zh: '湖区', en: 'Lake' },
        inZone: 3,
        capacity: 4,
        pct: 75,
        level: levelOf(3, 4, area.thresholds),
      },
      { zoneId: 'hill', name: { zh: '山区', en: 'Hill' }, inZone: 0, capacity: 50, pct: 0, level: 'green' },
    ]);
    expect(zones[0]!.level).not.toBe('green');
  });
});
