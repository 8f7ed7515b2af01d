import type { Redis } from 'ioredis';
import { luaScripts } from '../lua.js';

/** The inventory scripts in ./lua (see each file's header for KEYS, ARGV and returns). */
const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  reserve: { file: 'reserve.lua', keys: 7 },
  confirm: { file: 'confirm.lua', keys: 2 },
  extend: { file: 'extend.lua', keys: 2 },
  release: { file: 'release.lua', keys: 6 },
  init: { file: 'init.lua', keys: 3 },
  plans: { file: 'plans.lua', keys: 2 },
  recountStart: { file: 'recount-start.lua', keys: 2 },
  recountStep: { file: 'recount-step.lua', keys: 5 },
});

export type ScriptName =
  'reserve' | 'confirm' | 'extend' | 'release' | 'init' | 'plans' | 'recountStart' | 'recountStep';

export const runScript = <T = unknown>(
  redis: Redis,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
) => scripts.run<T>(redis, name, keys, args);
export const scriptSource = (name: ScriptName) => scripts.source(name);
