import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Redis } from './redis/client.js';
import { DomainError, unavailable } from './errors.js';

/**
 * A script that ran on its key's master and was answered before enough replicas held its
 * write (503 `redis_not_replicated`, retry). `result` is what it did there: a caller that
 * knows the write is now nobody's (a sale no order will have) can undo it, rather than
 * leave it for the reconciler while the retry meets it.
 */
export class UnreplicatedWrite extends DomainError<'unavailable'> {
  constructor(
    readonly result: unknown,
    message: string,
  ) {
    super('unavailable', 'redis_not_replicated', message);
  }
}

/**
 * Loads Lua scripts kept as .lua files, inlines `-- @include "x.lua"` lines (Redis
 * scripts cannot import), and registers each on a connection under a versioned name
 * (`scenic_<name>_<hash>`), so two releases sharing a Redis never run each other's
 * code. ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH.
 */
export interface ScriptSpec {
  file: string;
  keys: number;
}

type Arg = string | number;

/** A cluster node's redirection: the command did not run there (MOVED: the slot is another node's). */
const REDIRECTED = /^(MOVED|ASK) \d+ /;

export function luaScripts<S extends Record<string, ScriptSpec>>(dir: URL, specs: S) {
  type Name = keyof S & string;
  const source = (file: string, seen = new Set<string>()): string => {
    if (seen.has(file)) return '';
    seen.add(file);
    const text = readFileSync(new URL(file, dir), 'utf8');
    return text.replace(/^-- @include "([\w.-]+)"$/gm, (_m, inc: string) => source(inc, seen));
  };
  const compiled = new Map<Name, { cmd: string; lua: string }>();
  const compile = (name: Name) => {
    let c = compiled.get(name);
    if (!c) {
      const lua = source(specs[name]!.file);
      c = { cmd: `scenic_${name}_${createHash('sha1').update(lua).digest('hex').slice(0, 8)}`, lua };
      compiled.set(name, c);
    }
    return c;
  };
  const registered = new WeakMap<Redis, Set<Name>>();
  return {
    /**
     * Runs a script by name; registers it on the connection on first use. With `replicas`,
     * the script and a WAIT travel in one pipeline to the key's master (WAIT names no key,
     * so a cluster client sends it where the script went) and the answer is given only once
     * that many replicas hold the write: a master killed next cannot take it with it.
     */
    async run<T = unknown>(
      redis: Redis,
      name: Name,
      keys: string[],
      args: Arg[],
      replicated?: { replicas: number; timeoutMs: number },
    ): Promise<T> {
      const { cmd, lua } = compile(name);
      const spec = specs[name]!;
      let done = registered.get(redis);
      if (!done) registered.set(redis, (done = new Set()));
      if (!done.has(name)) {
        redis.defineCommand(cmd, { numberOfKeys: spec.keys, lua });
        done.add(name);
      }
      if (keys.length !== spec.keys) throw new Error(`${name}: expected ${spec.keys} keys`);
      if (!replicated || replicated.replicas <= 0) {
        const fn = (redis as unknown as Record<string, (...a: Arg[]) => Promise<T>>)[cmd]!;
        return fn.call(redis, ...keys, ...args);
      }
      const p = redis.pipeline();
      (p as unknown as Record<string, (...a: Arg[]) => unknown>)[cmd]!.call(p, ...keys, ...args);
      p.wait(replicated.replicas, replicated.timeoutMs);
      const [[scriptErr, result] = [null, undefined], [waitErr, acked] = [null, 0]] = (await p.exec()) ?? [];
      if (scriptErr) {
        if (REDIRECTED.test(scriptErr.message)) {
          // A cluster client retries a redirected pipeline only when every command in it
          // was redirected or read-only; the WAIT beside the script is neither, so after a
          // failover the MOVED came back as the script's answer and the slot map stayed
          // stale: every later write to the slot went to the old node (a CI run answered
          // 500 to every order of the area for 120 s). The script did not run there.
          // Refresh the map and answer as an outage, which the caller retries.
          (redis as { refreshSlotsCache?: () => void }).refreshSlotsCache?.();
          throw unavailable('redis_unavailable', 'the ticket store is failing over; retry in a moment');
        }
        throw scriptErr;
      }
      if (waitErr) throw waitErr;
      if (Number(acked) < replicated.replicas)
        throw new UnreplicatedWrite(
          result,
          `the write reached ${Number(acked)} of ${replicated.replicas} replicas in ${replicated.timeoutMs} ms; retry`,
        );
      return result as T;
    },
    /** The full text of a script after includes. */
    source: (name: Name) => compile(name).lua,
  };
}
