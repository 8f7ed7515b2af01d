import argon2 from 'argon2';
import type { FieldIssue } from '../errors.js';

/**
 * People's passwords: argon2id (the `argon2` package: the reference C implementation with
 * prebuilt binaries, ADR 0011), 64 MiB, 3 passes, 1 lane — above OWASP's floor of
 * 19 MiB × 2 — stored in its PHC string (`$argon2id$v=19$m=…`), which carries its own
 * salt and parameters, so raising them later re-hashes at the next sign-in
 * (`needsRehash`).
 */
const PARAMS = { type: argon2.argon2id, memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, PARAMS);

/** Whether the password matches; a malformed stored hash is a mismatch, never a throw. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export const needsRehash = (hash: string): boolean => argon2.needsRehash(hash, PARAMS);

let dummy: Promise<string> | undefined;
/**
 * Spends the time of one verification when there is no account to verify against, so
 * the answer's timing does not tell which sign-in names exist.
 */
export async function burnVerification(password: string): Promise<void> {
  dummy ??= hashPassword('no such account, no such password');
  await verifyPassword(await dummy, password);
}

/** What is wrong with a new password, if anything (length; not the username or the same character). */
export function passwordProblem(password: string, username: string): FieldIssue | undefined {
  const msg = (message: string): FieldIssue => ({ path: 'password', message });
  if (password.length < PASSWORD_MIN) return msg(`at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) return msg(`at most ${PASSWORD_MAX} characters`);
  if (password.toLowerCase().includes(username.toLowerCase())) return msg('must not contain the username');
  if (new Set(password).size < 4) return msg('too few different characters');
  return undefined;
}
