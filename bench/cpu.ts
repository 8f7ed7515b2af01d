/**
 * Where the CPU goes during a bench phase: the CPU time (user + system, from
 * /proc/PID/stat) each part of the system spent, read before and after. Parts are named
 * groups of PIDs: the API processes, redis-server, the Postgres cluster (postmaster and its
 * backends), HAProxy, and the generator itself. Linux only; on another system every part
 * reads 0 and the report says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';

/** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds of one process, 0 if it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command (which may contain spaces)
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export type Parts = Record<string, () => number[]>;

/** The PIDs of a Postgres cluster: its postmaster (the parent of our backend) and its children. */
export async function postgresPids(db: Knex): Promise<() => number[]> {
  const r = await db.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid');
  const backend = Number(r.rows[0]!.pid);
  const postmaster = parentOf(backend);
  return () => [postmaster, ...allPids().filter((p) => parentOf(p) === postmaster)];
}

export async function redisPid(redis: Redis): Promise<number> {
  const m = /process_id:(\d+)/.exec(await redis.info('server'));
  return m ? Number(m[1]) : 0;
}

export const byCommand = (name: string) => () => allPids().filter((p) => commandOf(p) === name);

export interface CpuReading {
  at: number;
  ms: Record<string, number>;
}

export function readCpu(parts: Parts): CpuReading {
  const ms: Record<string, number> = {};
  for (const [name, pids] of Object.entries(parts)) ms[name] = pids().reduce((t, p) => t + cpuMs(p), 0);
  const self = process.cpuUsage();
  ms.generator = (self.user + self.system) / 1000;
  return { at: Date.now(), ms };
}

export interface CpuShare {
  /** CPU ms each part spent per successful request */
  msPerRequest: Record<string, number>;
  /** share of the machine's cores each part used over the phase (0..1 of all cores) */
  coreShare: Record<string, number>;
}

/** What each part spent between two readings, per request and as a share of the cores. */
export function cpuBetween(a: CpuReading, b: CpuReading, requests: number, cores: number): CpuShare {
  const wall = b.at - a.at;
  const msPerRequest: Record<string, number> = {};
  const coreShare: Record<string, number> = {};
  for (const k of Object.keys(b.ms)) {
    const d = Math.max(0, b.ms[k]! - (a.ms[k] ?? 0));
    msPerRequest[k] = Number((requests ? d / requests : 0).toFixed(3));
    coreShare[k] = Number((wall ? d / (wall * cores) : 0).toFixed(3));
  }
  return { msPerRequest, coreShare };
}
