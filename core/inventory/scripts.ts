import { replicationOf, type Redis } from '../redis/client.js';
import { luaScripts } from '../lua.js';

/** The inventory scripts in ./lua (see each file's header for KEYS, ARGV and returns). */
const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  reserve: { file: 'reserve.lua', keys: 7 },
  // the same script counting the sale against one, two or three held-units budgets
  reserve1: { file: 'reserve.lua', keys: 9 },
  reserve2: { file: 'reserve.lua', keys: 11 },
  reserve3: { file: 'reserve.lua', keys: 13 },
  confirm: { file: 'confirm.lua', keys: 2 },
  extend: { file: 'extend.lua', keys: 2 },
  release: { file: 'release.lua', keys: 6 },
  init: { file: 'init.lua', keys: 3 },
  plans: { file: 'plans.lua', keys: 2 },
  recountStart: { file: 'recount-start.lua', keys: 2 },
  recountStep: { file: 'recount-step.lua', keys: 5 },
});

export type ScriptName =
  | 'reserve'
  | 'reserve1'
  | 'reserve2'
  | 'reserve3'
  | 'confirm'
  | 'extend'
  | 'release'
  | 'init'
  | 'plans'
  | 'recountStart'
  | 'recountStep';

/**
 * Runs an inventory script. Every one waits for the replicas the connection asks for
 * (REDIS_WAIT_REPLICAS, core/redis/client.ts): a sale, confirmation or release is answered
 * only once a replica holds it, so a master's failover never forgets stock it handed out.
 */
export const runScript = <T = unknown>(
  redis: Redis,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
) => scripts.run<T>(redis, name, keys, args, replicationOf(redis));
export const scriptSource = (name: ScriptName) => scripts.source(name);
