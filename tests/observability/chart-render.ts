import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { repoFile } from './artifacts.js';

/**
 * The chart's alerting pieces as a test needs them: `helm template` output (the rendered
 * PrometheusRule's groups, the Alertmanager configuration of the Secret), and the
 * Prometheus tools (promtool, amtool) from Debian's packages. A missing tool fails with
 * how to get it: tests never skip.
 */
const run = promisify(execFile);

export function helmBin(): string {
  const bin = join(
    process.env.SCENIC_BIN_DIR ?? join(process.env.HOME ?? '/root', '.cache/scenic/bin'),
    'helm',
  );
  if (!existsSync(bin))
    throw new Error(
      `helm is not at ${bin}: build it with \`bash scripts/k8s-tools.sh build\` (or run \`make test\`)`,
    );
  return bin;
}

/** A Prometheus tool on PATH, or a failure naming the script that installs it. */
export function prometheusTool(
  name: 'promtool' | 'amtool' | 'prometheus' | 'prometheus-alertmanager',
): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} is not installed: \`bash scripts/observability.sh install\` installs Debian's prometheus ` +
        `and prometheus-alertmanager packages (promtool, amtool), or run \`make test\``,
    );
  }
}

export const tool = (bin: string, args: string[], cwd?: string) =>
  run(bin, args, { cwd, maxBuffer: 10 * 1024 * 1024 });

interface Doc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { groups?: unknown[] };
  stringData?: Record<string, string>;
}

/** `helm template` of charts/scenic with `--set` values; the documents it renders. */
export async function renderChart(set: string[], namespace = 'scenic-system'): Promise<Doc[]> {
  const { stdout } = await tool(helmBin(), [
    'template',
    'scenic',
    repoFile('charts/scenic'),
    '--namespace',
    namespace,
    '--kube-version',
    '1.34.4',
    '--set',
    ['redis.url=redis://redis:6379', 'postgres.existingSecret=scenic-operator-db', ...set].join(','),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => !!d?.kind);
}

/** The rendered PrometheusRule as a Prometheus rule file (`groups:`). */
export async function renderedRules(set: string[] = [], namespace?: string): Promise<{ groups: unknown[] }> {
  const docs = await renderChart(['prometheusRule.enabled=true', ...set], namespace);
  const rule = docs.find((d) => d.kind === 'PrometheusRule');
  if (!rule?.spec?.groups) throw new Error('the chart rendered no PrometheusRule');
  return { groups: rule.spec.groups };
}

/** The Alertmanager configuration the chart's Secret carries (alerting.enabled). */
export async function renderedAlertmanagerConfig(set: string[]): Promise<{ text: string; config: AmConfig }> {
  const docs = await renderChart(['alerting.enabled=true', ...set]);
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata?.name?.endsWith('-alertmanager'));
  const text = secret?.stringData?.['alertmanager.yaml'];
  if (!text) throw new Error('the chart rendered no Alertmanager configuration');
  return { text, config: parse(text) as AmConfig };
}

export interface AmConfig {
  route: { receiver: string; group_wait: string; routes?: { receiver: string; matchers: string[] }[] };
  receivers: { name: string; webhook_configs: { url: string }[] }[];
  inhibit_rules?: unknown[];
}
