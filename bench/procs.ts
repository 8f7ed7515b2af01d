/**
 * The processes a benchmark starts: an API (`scenic api`) waited for on /healthz, or a
 * helper server that prints its port on its first stdout line. Shared by the benches.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Child {
  child: ChildProcess;
  port: number;
}

/** A helper server (`node --import tsx <file>`) that prints its port first. */
export async function startPrinter(argv: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    rl.once('line', (l) => resolve(Number(l)));
    child.once('exit', (c) => reject(new Error(`${argv.join(' ')} exited ${c}`)));
  });
  return { child, port };
}

/** `node [nodeArgs] bin/scenic.mjs api` on `port`, resolved once GET /healthz answers 200. */
export async function startApi(
  env: NodeJS.ProcessEnv,
  port: number,
  nodeArgs: string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, 'bin/scenic.mjs', 'api'], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.resume();
  const state: { exited: number | null } = { exited: null };
  child.once('exit', (c) => (state.exited = c ?? -1));
  for (const deadline = Date.now() + 60_000; ;) {
    if (state.exited !== null) throw new Error(`api on ${port} exited ${state.exited}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, port };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`api on ${port} did not start within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops a child and waits for it (SIGKILL after `graceMs`), so nothing is left running. */
export async function stop(c: ChildProcess, graceMs = 5000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
];

/**
 * The scheduling policy of a local process's main thread (field 41 of /proc/PID/stat), or
 * 'unknown' — also when the process there is not named `name` (a server on another host
 * reports a pid that may be some other local process).
 */
export function schedulingOf(pid: number, name: string): string {
  try {
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith(name)) return 'unknown';
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the name in parentheses may hold spaces: count from the last ')', whose next field is the 3rd
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return POLICIES[Number(fields[41 - 3])] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Jiffies of all cores so far, from the first line of /proc/stat: busy (all but idle and
 * iowait) and total. Two readings give how busy the machine was in between.
 */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from fields
 * 14 and 15 of /proc/PID/stat (clock ticks of 10 ms); 0 once it is gone. Two readings
 * give what it spent in between: the server's own cost per order, which the scheduler's
 * waits on a shared machine do not inflate the way they do throughput.
 */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10;
  } catch {
    return 0;
  }
}

/**
 * Where a benchmark's processes run: the servers it measures (the baseline and the API)
 * on core 0, the load generator, Postgres and Redis on the other cores. In production the
 * API has cores of its own, and neither its database nor its clients run on them; on a
 * shared two-core machine the scheduler instead runs a woken Postgres backend or Redis on
 * the API's core in the middle of its socket writes (a third of the API's profile was
 * wall time inside `writev`), so what was measured was as much the scheduler as the API.
 * Both sides get the same placement, so the ratio still compares like with like.
 * `taskset` (util-linux) sets each process's affinity, all its threads included; `undo`
 * gives Postgres and Redis every core back.
 */
export interface Placement {
  servers: string;
  others: string;
  /** pins a server the benchmark started (baseline or API) to the servers' core */
  server(pid: number | undefined): void;
  undo(): void;
}

export function placeOnCores(o: { redisPid: number; postgresDataDir: string }): Placement {
  const n = cpus().length;
  if (n < 2) throw new Error('pinning needs 2 cores or more: run with --no-pin');
  const servers = '0';
  const others = n === 2 ? '1' : `1-${n - 1}`;
  const all = `0-${n - 1}`;
  const taskset = (cores: string, pid: number) => {
    const r = spawnSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      throw new Error(
        `taskset -a -p -c ${cores} ${pid} failed (${r.error?.message ?? r.stderr.trim()}): install util-linux, or run with --no-pin`,
      );
  };
  // Postgres: the postmaster and what it forked; the backends it forks later inherit
  const postmaster = Number(readFileSync(`${o.postgresDataDir}/postmaster.pid`, 'utf8').split('\n', 1)[0]);
  const family = () => [
    postmaster,
    ...readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  ];
  const services = () => [
    ...family(),
    ...(schedulingOf(o.redisPid, 'redis') === 'unknown' ? [] : [o.redisPid]),
  ];
  for (const pid of services()) taskset(others, pid);
  taskset(others, process.pid); // the load generator: this process
  return {
    servers,
    others,
    server: (pid) => pid !== undefined && taskset(servers, pid),
    undo() {
      for (const pid of services())
        try {
          taskset(all, pid);
        } catch {
          // a backend that ended meanwhile
        }
    },
  };
}
