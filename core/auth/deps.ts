import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { PiiVault } from '../pii/crypto.js';

/** The limits of accounts, sessions and keys (core/config.ts; none is a secret). */
export interface AuthPolicy {
  sessionIdleMs: number;
  sessionMaxMs: number;
  maxFailures: number;
  lockMs: number;
  addressFailures: number;
  enrolmentMs: number;
  deviceKeyMs: number;
  keyOverlapSeconds: number;
}

export const authPolicy = (cfg: Config): AuthPolicy => ({
  sessionIdleMs: cfg.SCENIC_STAFF_SESSION_IDLE_MINUTES * 60_000,
  sessionMaxMs: cfg.SCENIC_STAFF_SESSION_HOURS * 3_600_000,
  maxFailures: cfg.SCENIC_SIGN_IN_MAX_FAILURES,
  lockMs: cfg.SCENIC_SIGN_IN_LOCK_MINUTES * 60_000,
  addressFailures: cfg.SCENIC_SIGN_IN_ADDRESS_FAILURES,
  enrolmentMs: cfg.SCENIC_ENROLMENT_HOURS * 3_600_000,
  deviceKeyMs: cfg.SCENIC_DEVICE_KEY_DAYS * 86_400_000,
  keyOverlapSeconds: cfg.SCENIC_KEY_OVERLAP_SECONDS,
});

/** What the account, session and key operations need, injected. */
export interface AuthDeps {
  db: Knex;
  redis: Redis;
  /** seals TOTP secrets */
  vault: PiiVault;
  clock: Clock;
  policy: AuthPolicy;
}

/** The deps of a platform (`core/platform.ts` satisfies the shape). */
export const authDeps = (p: {
  db: Knex;
  redis: Redis;
  vault: PiiVault;
  clock: Clock;
  cfg: Config;
}): AuthDeps => ({
  db: p.db,
  redis: p.redis,
  vault: p.vault,
  clock: p.clock,
  policy: authPolicy(p.cfg),
});
