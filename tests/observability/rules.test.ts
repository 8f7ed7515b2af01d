import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoFile } from './artifacts.js';
import { prometheusTool, renderedRules, tool } from './chart-render.js';

/**
 * `promtool test rules` for every alert the chart ships (issue 21): the PrometheusRule is
 * rendered with `helm template` (so the operator rules carry the release namespace and
 * prometheusRule.forOverrides is what a user would get), written as a rule file, and each
 * tests/observability/rules/*.yaml runs against it. Every alert must fire in some case.
 */
const CASES = readdirSync(repoFile('tests/observability/rules'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface RuleGroup {
  name: string;
  rules: { alert?: string; record?: string; for?: string; expr: string }[];
}

describe('alert rules under promtool', () => {
  let dir = '';
  let promtool = '';
  let groups: RuleGroup[] = [];

  beforeAll(async () => {
    promtool = prometheusTool('promtool');
    groups = (await renderedRules()).groups as RuleGroup[];
    dir = mkdtempSync(join(tmpdir(), 'scenic-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
    for (const f of CASES) copyFileSync(repoFile(`tests/observability/rules/${f}`), join(dir, f));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the rendered rules pass promtool check rules', async () => {
    const { stdout } = await tool(promtool, ['check', 'rules', 'rules.yaml'], dir);
    expect(stdout).toContain('SUCCESS');
  });

  it.each(CASES)('%s passes promtool test rules', async (f) => {
    const out = await tool(promtool, ['test', 'rules', f], dir).catch(
      (e: { stdout?: string; stderr?: string }) => {
        throw new Error(`promtool test rules ${f} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      },
    );
    expect(out.stdout).toContain('SUCCESS');
  });

  it('every alert of the chart fires in at least one case', () => {
    const fired = new Set<string>();
    for (const f of CASES) {
      const doc = parse(readFileSync(repoFile(`tests/observability/rules/${f}`), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      for (const t of doc.tests)
        for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length) fired.add(a.alertname);
    }
    const alerts = groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts.length).toBeGreaterThanOrEqual(18);
    expect(alerts.filter((a) => !fired.has(a))).toEqual([]);
  });

  it('has the alerts of the brief', () => {
    const expr = (name: string) => groups.flatMap((g) => g.rules).find((r) => r.alert === name)?.expr ?? '';
    expect(expr('ScenicOnlineUsersHigh')).toContain('> 20000');
    expect(expr('ScenicQueueBacklog')).toContain('> 3000');
    expect(expr('ScenicGateVerificationQueueGrowing')).toContain('deriv(scenic_gate_scans_in_flight');
    expect(expr('ScenicGateOffline')).toContain('scenic_gate_offline_seconds_max');
    expect(expr('ScenicDoubleEntries')).toContain('scenic_double_entries_open');
  });

  it('prometheusRule.forOverrides changes a for: without editing the rules, and refuses unknown names', async () => {
    const short = (await renderedRules(['prometheusRule.forOverrides.ScenicCapacityYellow=5s']))
      .groups as RuleGroup[];
    const rule = (gs: RuleGroup[]) =>
      gs.flatMap((g) => g.rules).find((r) => r.alert === 'ScenicCapacityYellow');
    expect(rule(groups)?.for).toBe('1m');
    expect(rule(short)?.for).toBe('5s');
    await expect(renderedRules(['prometheusRule.forOverrides.ScenicNoSuchAlert=5s'])).rejects.toMatchObject({
      stderr: expect.stringContaining('no alert named ScenicNoSuchAlert') as unknown,
    });
  });
});
