/**
 * The high-availability services (Redis Cluster, Patroni + HAProxy, pgBackRest) for
 * tests: started through their repo scripts (`scripts/<name>.sh up`, idempotent and
 * fast when already up), never installed from a test. A missing Debian package fails
 * the test with the command that installs it; nothing skips.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type HaScript = 'redis-cluster' | 'pg-ha' | 'pg-backup' | 'api-lb';

/** The commands each script runs, with the Debian package that provides them. */
const REQUIREMENTS: Record<HaScript, [command: string, pkg: string][]> = {
  'redis-cluster': [
    ['redis-server', 'redis-server'],
    ['redis-cli', 'redis-tools'],
  ],
  'pg-ha': [
    ['patroni', 'patroni'],
    ['haproxy', 'haproxy'],
    ['psql', 'postgresql-client'],
    ['curl', 'curl'],
  ],
  'pg-backup': [
    ['pgbackrest', 'pgbackrest'],
    ['psql', 'postgresql-client'],
  ],
  'api-lb': [
    ['haproxy', 'haproxy'],
    ['curl', 'curl'],
  ],
};

export class MissingPackageError extends Error {
  constructor(script: HaScript, missing: string[]) {
    super(
      `${missing.join(', ')} not installed, needed by scripts/${script}.sh. ` +
        `Install and start it with \`bash scripts/${script}.sh up\` (it installs the Debian packages), then rerun.`,
    );
    this.name = 'MissingPackageError';
  }
}

function onPath(command: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => d !== '' && existsSync(join(d, command)));
}

export interface ScriptResult {
  stdout: string;
  stderr: string;
}

/** Runs `bash scripts/<script>.sh ARGS…` from the repo root; rejects with its stderr tail. */
export function runScript(
  script: HaScript,
  args: string[],
  timeoutMs = 300_000,
  env: Record<string, string> = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts', `${script}.sh`), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const tail = stderr.split('\n').slice(-30).join('\n');
          reject(new Error(`scripts/${script}.sh ${args.join(' ')} failed (${error.message}):\n${tail}`));
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** Parses `export NAME=value` lines (values as bash's printf %q writes them). */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    else v = v.replace(/\\(.)/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

/**
 * Starts the script's services if they are not up (reusing them when they are) and
 * returns the variables it exports, e.g. REDIS_CLUSTER_NODES or PG_HA_URL. ARGS go to
 * `up` (api-lb.sh takes its backends there).
 */
export async function ensureUp(
  script: HaScript,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  requirePackages(script);
  await runScript(script, ['up', ...args], 300_000, env);
  return parseEnv((await runScript(script, ['env'], 300_000, env)).stdout);
}

/**
 * The Redis Cluster the failover tests kill masters of: a second cluster of
 * scripts/redis-cluster.sh (its own ports and state), so the cluster leg's tests, which run
 * beside them on the first, never see a failover. Pass to `ensureUp`/`runScript`.
 */
export const FAILOVER_CLUSTER_ENV: Record<string, string> = {
  SCENIC_REDIS_CLUSTER_NAME: 'failover',
  SCENIC_REDIS_CLUSTER_PORT: process.env.SCENIC_REDIS_FAILOVER_CLUSTER_PORT ?? '63810',
  SCENIC_REDIS_CLUSTER_BUS_PORT: process.env.SCENIC_REDIS_FAILOVER_CLUSTER_BUS_PORT ?? '53810',
};

/** Throws MissingPackageError when a command the script needs is not installed. */
export function requirePackages(script: HaScript): void {
  const missing = REQUIREMENTS[script].filter(([cmd]) => !onPath(cmd)).map(([, pkg]) => pkg);
  if (missing.length > 0) throw new MissingPackageError(script, [...new Set(missing)]);
}

/** The last line of a script's stdout that is a JSON object (the scripts' machine-readable answer). */
export function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in script output:\n${stdout}`);
  return JSON.parse(line) as T;
}

/**
 * Prints a measured figure (failover seconds, RPO, RTO) and appends it to
 * $SCENIC_STATE/ha-figures.jsonl, where CI and the docs pick the figures up.
 */
export function recordFigure(name: string, value: number, unit = 's'): void {
  console.log(`[ha] ${name}: ${value} ${unit}`);
  const dir = process.env.SCENIC_STATE ?? '/var/tmp/scenic';
  if (existsSync(dir)) {
    appendFileSync(
      join(dir, 'ha-figures.jsonl'),
      JSON.stringify({ at: new Date().toISOString(), name, value, unit }) + '\n',
    );
  }
}
