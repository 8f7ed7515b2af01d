import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Prometheus and Alertmanager that scripts/observability.sh runs on loopback
 * (127.0.0.1:19090 and :19093, configuration in $SCENIC_OBSERVABILITY_DIR). A test writes
 * its own configuration and reloads both; `restore` puts the previous one back. Without
 * them running, a test fails saying how to start them.
 */
export interface Observability {
  prometheus: string;
  alertmanager: string;
  dir: string;
  /** writes prometheus.yml, alertmanager.yml and rules/<name>.yaml, then reloads both */
  configure(c: { prometheus: string; alertmanager: string; rules: Record<string, string> }): Promise<void>;
  /** the configuration that was there before, reloaded */
  restore(): Promise<void>;
  /** a PromQL instant query */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

const HOW =
  'start them with `bash scripts/observability.sh up` and `source $SCENIC_STATE/env` (or run `make test`)';

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

async function reload(url: string, what: string): Promise<void> {
  const res = await fetch(`${url}/-/reload`, { method: 'POST' });
  if (!res.ok) throw new Error(`${what} refused the configuration: ${res.status} ${await res.text()}`);
}

export async function observability(): Promise<Observability> {
  const prometheus = process.env.SCENIC_PROMETHEUS_URL ?? 'http://127.0.0.1:19090';
  const alertmanager = process.env.SCENIC_ALERTMANAGER_URL ?? 'http://127.0.0.1:19093';
  const dir =
    process.env.SCENIC_OBSERVABILITY_DIR ??
    join(process.env.SCENIC_STATE ?? '/var/tmp/scenic', 'observability');
  for (const [what, url] of [
    ['Prometheus', prometheus],
    ['Alertmanager', alertmanager],
  ] as const)
    if (!(await ready(url))) throw new Error(`${what} is not running at ${url}: ${HOW}`);
  if (!existsSync(join(dir, 'prometheus.yml')))
    throw new Error(`no Prometheus configuration in ${dir} (SCENIC_OBSERVABILITY_DIR): ${HOW}`);
  const files = ['prometheus.yml', 'alertmanager.yml'];
  const before = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const written: string[] = [];
  const reloadBoth = async () => {
    await reload(prometheus, 'Prometheus');
    await reload(alertmanager, 'Alertmanager');
  };
  return {
    prometheus,
    alertmanager,
    dir,
    async configure(c) {
      mkdirSync(join(dir, 'rules'), { recursive: true });
      for (const [name, text] of Object.entries(c.rules)) {
        const f = join(dir, 'rules', `${name}.yaml`);
        writeFileSync(f, text);
        written.push(f);
      }
      writeFileSync(join(dir, 'prometheus.yml'), c.prometheus);
      writeFileSync(join(dir, 'alertmanager.yml'), c.alertmanager);
      await reloadBoth();
    },
    async restore() {
      for (const f of written.splice(0)) rmSync(f, { force: true });
      for (const f of files) writeFileSync(join(dir, f), before[f]!);
      await reloadBoth();
    },
    async query(q) {
      const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as {
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data?.result ?? [];
    },
  };
}
