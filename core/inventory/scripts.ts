import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Loads the inventory Lua scripts from their .lua files, inlines `-- @include "x.lua"`
 * lines (Redis scripts cannot import), and registers each on a connection under a
 * versioned name (`scenic_<name>_<hash>`), so two releases sharing a Redis never run
 * each other's code. ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH.
 */
const DIR = new URL('./lua/', import.meta.url);

function source(file: string, seen = new Set<string>()): string {
  if (seen.has(file)) return '';
  seen.add(file);
  const text = readFileSync(new URL(file, DIR), 'utf8');
  return text.replace(/^-- @include "([\w.-]+)"$/gm, (_m, inc: string) => source(inc, seen));
}

export interface ScriptSpec {
  file: string;
  keys: number;
}

export const SCRIPTS = {
  reserve: { file: 'reserve.lua', keys: 5 },
  confirm: { file: 'confirm.lua', keys: 2 },
  release: { file: 'release.lua', keys: 4 },
  init: { file: 'init.lua', keys: 1 },
  recount: { file: 'recount.lua', keys: 3 },
} as const satisfies Record<string, ScriptSpec>;

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

const compiled = new Map<ScriptName, { name: string; lua: string }>();
function compile(name: ScriptName) {
  let c = compiled.get(name);
  if (!c) {
    const lua = source(SCRIPTS[name].file);
    const hash = createHash('sha1').update(lua).digest('hex').slice(0, 8);
    c = { name: `scenic_${name}_${hash}`, lua };
    compiled.set(name, c);
  }
  return c;
}

const registered = new WeakMap<Redis, Set<ScriptName>>();

/** Runs a script by name; registers it on the connection on first use. */
export async function runScript<T = unknown>(redis: Redis, name: ScriptName, keys: string[], args: Arg[]): Promise<T> {
  const { name: cmd, lua } = compile(name);
  let done = registered.get(redis);
  if (!done) registered.set(redis, (done = new Set()));
  if (!done.has(name)) {
    redis.defineCommand(cmd, { numberOfKeys: SCRIPTS[name].keys, lua });
    done.add(name);
  }
  if (keys.length !== SCRIPTS[name].keys) throw new Error(`${name}: expected ${SCRIPTS[name].keys} keys`);
  const fn = (redis as unknown as Record<string, (...a: Arg[]) => Promise<T>>)[cmd]!;
  return fn.call(redis, ...keys, ...args);
}

/** The full text of a script after includes (for tests and `SCRIPT LOAD`). */
export const scriptSource = (name: ScriptName) => compile(name).lua;
