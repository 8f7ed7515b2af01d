import { z } from 'zod';
import { parseInput } from '../validation.js';

/**
 * The PII keys (issue 17 item 16): several AES-256-GCM keys, each with an id that every
 * ciphertext names, so a key can be rotated — new values are sealed with the current key,
 * old ones stay readable with theirs until `scenic keys reencrypt` has moved them over.
 *
 * - `SCENIC_PII_KEYS`: `id:base64key,id:base64key` (ids: 1–16 of [a-z0-9]);
 * - `SCENIC_PII_KEY_ID`: the id that seals new values (required with `SCENIC_PII_KEYS`);
 * - `SCENIC_PII_KEY`: the single key of installs before key ids; it has the id
 *   {@link LEGACY_PII_KEY_ID}, reads the id-less `v1.` values, and alone means "the only key".
 *
 * No key has a default: without one of them the process does not start.
 */
export const LEGACY_PII_KEY_ID = 'k0';

export interface PiiKeySet {
  /** the id new values are sealed with */
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[a-z0-9]{1,16}$/;
const key32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return b.length === 32 ? b : undefined;
};

const PiiEnv = z
  .object({
    SCENIC_PII_KEY: z
      .string()
      .refine((s) => key32(s) !== undefined, 'must be 32 bytes, base64-encoded')
      .optional(),
    SCENIC_PII_KEYS: z.string().optional(),
    SCENIC_PII_KEY_ID: z.string().regex(KEY_ID, 'must be 1-16 of [a-z0-9]').optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!e.SCENIC_PII_KEY && !e.SCENIC_PII_KEYS)
      return issue(
        'SCENIC_PII_KEYS',
        'set SCENIC_PII_KEYS (id:key,…) with SCENIC_PII_KEY_ID, or SCENIC_PII_KEY',
      );
    if (!e.SCENIC_PII_KEYS) {
      if (e.SCENIC_PII_KEY_ID && e.SCENIC_PII_KEY_ID !== LEGACY_PII_KEY_ID)
        issue('SCENIC_PII_KEY_ID', `names no key (only ${LEGACY_PII_KEY_ID}, SCENIC_PII_KEY, is set)`);
      return;
    }
    const ids = new Set<string>(e.SCENIC_PII_KEY ? [LEGACY_PII_KEY_ID] : []);
    for (const entry of e.SCENIC_PII_KEYS.split(',').map((s) => s.trim())) {
      const i = entry.indexOf(':');
      const id = entry.slice(0, i);
      if (i < 0 || !KEY_ID.test(id) || !key32(entry.slice(i + 1)))
        return issue('SCENIC_PII_KEYS', 'each entry is id:base64key, id 1-16 of [a-z0-9], key 32 bytes');
      if (ids.has(id)) return issue('SCENIC_PII_KEYS', `key id ${id} appears twice (or is SCENIC_PII_KEY's)`);
      ids.add(id);
    }
    if (!e.SCENIC_PII_KEY_ID) return issue('SCENIC_PII_KEY_ID', 'required with SCENIC_PII_KEYS');
    if (!ids.has(e.SCENIC_PII_KEY_ID)) issue('SCENIC_PII_KEY_ID', 'names no key of SCENIC_PII_KEYS');
  });

/** The PII keys from the environment; an invalid or missing setting stops the process. */
export function readPiiKeys(env: NodeJS.ProcessEnv): PiiKeySet {
  const e = parseInput(PiiEnv, env, 'invalid_config');
  const keys = new Map<string, Buffer>();
  if (e.SCENIC_PII_KEY) keys.set(LEGACY_PII_KEY_ID, key32(e.SCENIC_PII_KEY)!);
  for (const entry of (e.SCENIC_PII_KEYS ?? '').split(',').filter((s) => s.trim())) {
    const [id, k] = entry.trim().split(':') as [string, string];
    keys.set(id, key32(k)!);
  }
  return { current: e.SCENIC_PII_KEY_ID ?? LEGACY_PII_KEY_ID, keys };
}

/** One key as a set: `new PiiVault(base64Key, …)` of tests and tools. */
export function singleKey(keyBase64: string, id = LEGACY_PII_KEY_ID): PiiKeySet {
  const k = key32(keyBase64);
  if (!k) throw new Error('PII key must be 32 bytes');
  return { current: id, keys: new Map([[id, k]]) };
}
