import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EXTERNAL_METRICS, METRICS, type MetricDef } from '../../core/telemetry/catalogue.js';

export const repoFile = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
  time: { from: string; to: string };
}

export const DASHBOARD_FILES = readdirSync(repoFile('dashboards'))
  .filter((f) => f.endsWith('.json'))
  .sort();
export const dashboard = (f: string, dir = 'dashboards') =>
  JSON.parse(readFileSync(repoFile(`${dir}/${f}`), 'utf8')) as Dashboard;

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export const ruleGroups = () =>
  parse(readFileSync(repoFile('charts/scenic/rules/scenic.yaml'), 'utf8')) as {
    name: string;
    rules: AlertRule[];
  }[];

/** Every PromQL expression of the dashboards, variables and alert rules, with where it is. */
export function allQueries(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const f of DASHBOARD_FILES) {
    const d = dashboard(f);
    const walk = (ps: DashboardPanel[]) => {
      for (const p of ps) {
        for (const t of p.targets ?? []) out.push({ where: `${f} › ${p.title}`, expr: t.expr });
        walk(p.panels ?? []);
      }
    };
    walk(d.panels);
    for (const v of d.templating.list) {
      const q = (v.query as { query?: string } | undefined)?.query;
      if (v.type === 'query' && q) out.push({ where: `${f} › $${v.name}`, expr: q });
    }
  }
  for (const g of ruleGroups())
    for (const r of g.rules) out.push({ where: `rule ${r.alert ?? r.record}`, expr: r.expr });
  // the chart's own operator rules (inline in the template)
  const tpl = readFileSync(repoFile('charts/scenic/templates/prometheusrule.yaml'), 'utf8');
  for (const m of tpl.matchAll(/^\s+expr: (.+)$/gm))
    out.push({ where: 'chart operator rule', expr: m[1]!.replace(/\{\{[^}]*\}\}/g, 'x') });
  return out;
}

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'le',
  'inf',
  'nan',
  'vector',
  'label_values',
]);

/**
 * Metric names a PromQL expression reads: identifiers that are not functions (followed by
 * `(`), label names (followed by a matcher), keywords, or inside strings and `[ranges]`.
 */
export function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/label_values\(([^,()]+(?:\{[^}]*\})?),\s*\w+\)/g, '$1')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, '[]');
  const out = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const after = bare.slice(m.index + name.length).trimStart();
    if (after.startsWith('(') || /^(=~|!~|!=|=[^=])/.test(after)) continue;
    if (PROMQL_WORDS.has(name.toLowerCase()) || /[\d.]$/.test(bare.slice(0, m.index))) continue; // 1e-9
    // label lists: by (a, b) / on (x)
    const before = bare.slice(0, m.index);
    if (/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*$/.test(before)) continue;
    out.add(name);
  }
  return [...out];
}

/** The family a series name belongs to (histogram and summary children). */
export function familyOf(name: string, families: Set<string>): string {
  if (families.has(name)) return name;
  for (const suffix of ['_bucket', '_count', '_sum'])
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length);
  return name;
}

export const catalogue = METRICS as readonly MetricDef[];
export { EXTERNAL_METRICS };
