import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { LABELS } from '../../core/telemetry/catalogue.js';
import {
  DASHBOARD_FILES,
  EXTERNAL_METRICS,
  allQueries,
  catalogue,
  dashboard,
  familyOf,
  metricsIn,
  repoFile,
  ruleGroups,
  type DashboardPanel,
} from './artifacts.js';

/**
 * Grafana dashboard JSON, schemaVersion 39 (Grafana 10.4 / 11): the structure a
 * provisioned dashboard needs to load: uid/title/schemaVersion/time/templating/panels;
 * each panel an integer id unique in the dashboard, a known type, a title, a gridPos
 * inside the 24-column grid without overlaps, a datasource and targets with unique
 * refIds and a PromQL expression; every `$variable` used is defined.
 */
const SCHEMA_VERSION = 39;
const PANEL_TYPES = new Set([
  'stat',
  'gauge',
  'bargauge',
  'timeseries',
  'table',
  'piechart',
  'text',
  'row',
  'state-timeline',
  'heatmap',
]);

function flatten(ps: DashboardPanel[]): DashboardPanel[] {
  return ps.flatMap((p) => [p, ...flatten(p.panels ?? [])]);
}

describe('Grafana dashboards', () => {
  it('has the three dashboards of the issue', () => {
    expect(DASHBOARD_FILES).toEqual(['crowd-screen.json', 'platform-health.json', 'presale-surge.json']);
  });

  it.each(DASHBOARD_FILES)('%s loads against Grafana schemaVersion 39', (f) => {
    const d = dashboard(f);
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(typeof d.title).toBe('string');
    expect(typeof d.time.from).toBe('string');
    expect(typeof d.time.to).toBe('string');
    expect(Array.isArray(d.templating.list)).toBe(true);
    const vars = new Set(d.templating.list.map((v) => v.name));
    expect(vars.has('datasource')).toBe(true);
    const panels = flatten(d.panels);
    expect(panels.length).toBeGreaterThanOrEqual(6);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(Number.isInteger(p.id), `${p.title}: id`).toBe(true);
      expect(PANEL_TYPES.has(p.type), `${p.title}: type ${p.type}`).toBe(true);
      expect(p.title.length, 'title').toBeGreaterThan(0);
      const g = p.gridPos;
      expect(
        g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24,
        `${p.title}: gridPos ${JSON.stringify(g)}`,
      ).toBe(true);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps another panel at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      if (p.type === 'row' || p.type === 'text') continue;
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, `${p.title}: targets`).toBeGreaterThan(0);
      expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
      for (const t of p.targets!) {
        expect(t.expr.trim().length).toBeGreaterThan(0);
        for (const v of t.expr.matchAll(/\$(\w+)/g))
          expect(vars.has(v[1]!), `${p.title}: $${v[1]} is not defined`).toBe(true);
        // balanced brackets: a cheap guard against broken PromQL
        for (const [o, c] of [
          ['(', ')'],
          ['{', '}'],
          ['[', ']'],
        ] as const)
          expect(t.expr.split(o).length, `${p.title}: ${o}${c} in ${t.expr}`).toBe(t.expr.split(c).length);
      }
    }
  });

  it.each(DASHBOARD_FILES)(
    'charts/scenic/dashboards/%s is identical to dashboards/ (the source of truth)',
    (f) => {
      expect(readFileSync(repoFile(`charts/scenic/dashboards/${f}`), 'utf8')).toBe(
        readFileSync(repoFile(`dashboards/${f}`), 'utf8'),
      );
    },
  );

  it('the chart carries no dashboard that is not in dashboards/', () => {
    expect(
      readdirSync(repoFile('charts/scenic/dashboards'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(DASHBOARD_FILES);
  });
});

describe('alert rules', () => {
  const rules = ruleGroups().flatMap((g) => g.rules);
  it.each([
    ['capacity yellow', 'ScenicCapacityYellow'],
    ['capacity orange', 'ScenicCapacityOrange'],
    ['capacity red', 'ScenicCapacityRed'],
    ['> 20,000 users online', 'ScenicOnlineUsersHigh'],
    ['queue backlog > 3,000', 'ScenicQueueBacklog'],
    ['gate latency', 'ScenicGateLatencyHigh'],
    ['gate queue growing', 'ScenicGateJournalGrowing'],
    ['gate offline', 'ScenicGateOffline'],
    ['drift repaired', 'ScenicDriftRepaired'],
  ])('has an alert for %s', (_what, name) => {
    const r = rules.find((x) => x.alert === name);
    expect(r).toBeDefined();
    expect(r!.labels?.severity).toMatch(/^(info|warning|critical)$/);
    expect(r!.annotations?.summary).toBeTruthy();
  });
  it('uses the thresholds of the brief', () => {
    expect(rules.find((r) => r.alert === 'ScenicOnlineUsersHigh')!.expr).toContain('> 20000');
    expect(rules.find((r) => r.alert === 'ScenicQueueBacklog')!.expr).toContain('> 3000');
  });
});

describe('metric catalogue', () => {
  it('names follow Prometheus conventions and labels stay bounded', () => {
    const names = new Set<string>();
    for (const m of catalogue) {
      expect(m.name).toMatch(/^scenic_[a-z0-9_]+$/);
      expect(names.has(m.name), `${m.name} twice`).toBe(false);
      names.add(m.name);
      if (m.kind === 'counter' || m.kind === 'observable-counter') expect(m.name, m.name).toMatch(/_total$/);
      else expect(m.name, m.name).not.toMatch(/_total$/);
      if (m.kind === 'histogram') expect(m.name).toMatch(/_seconds$/);
      for (const l of m.labels) expect(LABELS).toContain(l);
      expect(m.labels.some((l) => /(^|_)(id|ticket|order|visitor|phone|name)$/.test(l))).toBe(false);
    }
  });

  it('every dashboard and alert query reads only catalogued or documented external metrics', () => {
    const known = new Set([...catalogue.map((m) => m.name), ...Object.keys(EXTERNAL_METRICS)]);
    const unknown = allQueries().flatMap((q) =>
      metricsIn(q.expr)
        .filter((n) => !known.has(familyOf(n, known)))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('extracts metric names from PromQL, not functions, labels or strings', () => {
    expect(
      metricsIn(
        'histogram_quantile(0.99, sum by (le, dependency) (rate(scenic_dependency_latency_seconds_bucket{route=~"/v1/x"}[5m])))',
      ),
    ).toEqual(['scenic_dependency_latency_seconds_bucket']);
    expect(metricsIn('max by (area) (a_b) / on (area) group_left c_d and vector(0)').sort()).toEqual([
      'a_b',
      'c_d',
    ]);
  });
});
