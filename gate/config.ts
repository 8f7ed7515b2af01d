import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { inputError } from '../core/errors.js';
import { parseInput } from '../core/validation.js';
import { loadLaneTokens, needsLaneTokens, type LaneAccess } from './lane-access.js';

/**
 * The gate agent's configuration, from the environment, validated at start-up so a
 * typo stops the agent with the variable's name instead of at the first scan.
 */
const Credential = z
  .string()
  .regex(
    /^sgd1\.[a-z0-9][a-z0-9-]{0,62}\.[A-Za-z0-9_-]{43}$/,
    'must be a gate credential sgd1.<gateId>.<secret>',
  );

const Env = z.object({
  /** Base URL of the gate API, e.g. https://api.example/gate/v1 */
  SCENIC_GATE_API_URL: z
    .string()
    .url('must be an http(s) URL')
    .regex(/^https?:\/\//, 'must be an http(s) URL'),
  /** The device credential `sgd1.<gateId>.<secret>` given when the gate was registered. */
  SCENIC_GATE_CREDENTIAL: Credential.optional(),
  /**
   * Or a file holding it: in Kubernetes, this node's key of the entrance's credential
   * Secret (`/etc/scenic/gate/credentials/$(NODE_NAME)`), so each node has its own identity.
   */
  SCENIC_GATE_CREDENTIAL_FILE: z.string().min(1).optional(),
  /** Path of the SQLite journal (a persistent volume on the node). */
  SCENIC_GATE_JOURNAL: z.string().min(1),
  SCENIC_GATE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /** The turnstiles talk to the agent on the node: loopback unless they sit on the LAN. */
  SCENIC_GATE_HOST: z.string().default('127.0.0.1'),
  /**
   * Lane tokens, `<lane> <token>` per line (gate/lane-access.ts); required unless the agent
   * listens on loopback only.
   */
  SCENIC_GATE_LANE_TOKENS_FILE: z.string().min(1).optional(),
  /** Host names the lane API answers to besides IP addresses and localhost (comma-separated). */
  SCENIC_GATE_ALLOWED_HOSTS: z.string().default(''),
  /** Time the centre has to answer an online pre-check before the offline decision stands. */
  SCENIC_GATE_PRECHECK_BUDGET_MS: z.coerce.number().int().min(10).max(2_000).default(150),
  /** Pause between sync rounds (journal up, changes down). */
  SCENIC_GATE_SYNC_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** Timeout of one sync request. */
  SCENIC_GATE_SYNC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** How often keys, entrance rules and the whole manifest are fetched again. */
  SCENIC_GATE_REFRESH_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  SCENIC_GATE_HEALTH_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
  /** Ask the centre before admitting while online (off: decide locally, sync later). */
  SCENIC_GATE_PRECHECK: z.enum(['on', 'off']).default('on'),
  /** Scrape token: /metrics on the lane API (and the metrics port) answers only to its bearer. */
  SCENIC_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A dedicated /metrics listener apart from the lane API (0 = none). */
  SCENIC_GATE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Its address: loopback unless told (the DaemonSet opens it on the pod network, no hostPort). */
  SCENIC_GATE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface GateConfig {
  apiUrl: string;
  credential: string;
  gateId: string;
  journalPath: string;
  port: number;
  host: string;
  precheckBudgetMs: number;
  syncIntervalMs: number;
  syncTimeoutMs: number;
  refreshIntervalMs: number;
  healthIntervalMs: number;
  precheck: boolean;
  metricsToken?: string;
  /** 0: no dedicated metrics listener. */
  metricsPort: number;
  metricsHost: string;
  /** Who may use the lane API (Host names, lane tokens). */
  laneAccess: LaneAccess;
  logLevel: string;
}

function laneAccessOf(e: z.output<typeof Env>): LaneAccess {
  const bad = (message: string, path: string) =>
    inputError('invalid_config', `${path}: ${message}`, [{ path, message }]);
  const allowedHosts = new Set(
    e.SCENIC_GATE_ALLOWED_HOSTS.split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const file = e.SCENIC_GATE_LANE_TOKENS_FILE;
  if (!file) {
    if (needsLaneTokens(e.SCENIC_GATE_HOST))
      throw bad(
        `the lane API listens on ${e.SCENIC_GATE_HOST}: lane devices need tokens (or listen on 127.0.0.1)`,
        'SCENIC_GATE_LANE_TOKENS_FILE',
      );
    return { lanes: new Map(), allowedHosts };
  }
  try {
    return { lanes: loadLaneTokens(file), allowedHosts };
  } catch (err) {
    throw bad(`${file}: ${(err as Error).message}`, 'SCENIC_GATE_LANE_TOKENS_FILE');
  }
}

/** The credential, from the variable or its file (exactly one of the two). */
function credentialOf(e: z.output<typeof Env>): string {
  const bad = (message: string, path: string) =>
    inputError('invalid_config', `${path}: ${message}`, [{ path, message }]);
  if (e.SCENIC_GATE_CREDENTIAL && e.SCENIC_GATE_CREDENTIAL_FILE)
    throw bad(
      'set SCENIC_GATE_CREDENTIAL or SCENIC_GATE_CREDENTIAL_FILE, not both',
      'SCENIC_GATE_CREDENTIAL',
    );
  if (e.SCENIC_GATE_CREDENTIAL) return e.SCENIC_GATE_CREDENTIAL;
  const file = e.SCENIC_GATE_CREDENTIAL_FILE;
  if (!file)
    throw bad('a gate credential is required (or SCENIC_GATE_CREDENTIAL_FILE)', 'SCENIC_GATE_CREDENTIAL');
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw bad(`cannot read ${file}: ${(err as Error).message}`, 'SCENIC_GATE_CREDENTIAL_FILE');
  }
  const parsed = Credential.safeParse(text);
  if (!parsed.success)
    throw bad(
      `${file} does not hold a gate credential sgd1.<gateId>.<secret>`,
      'SCENIC_GATE_CREDENTIAL_FILE',
    );
  return parsed.data;
}

export function loadGateConfig(env: NodeJS.ProcessEnv = process.env): GateConfig {
  const e = parseInput(Env, env, 'invalid_config');
  const credential = credentialOf(e);
  return {
    apiUrl: e.SCENIC_GATE_API_URL.replace(/\/+$/, ''),
    credential,
    gateId: credential.split('.')[1]!,
    journalPath: e.SCENIC_GATE_JOURNAL,
    port: e.SCENIC_GATE_PORT,
    host: e.SCENIC_GATE_HOST,
    precheckBudgetMs: e.SCENIC_GATE_PRECHECK_BUDGET_MS,
    syncIntervalMs: e.SCENIC_GATE_SYNC_INTERVAL_MS,
    syncTimeoutMs: e.SCENIC_GATE_SYNC_TIMEOUT_MS,
    refreshIntervalMs: e.SCENIC_GATE_REFRESH_INTERVAL_MS,
    healthIntervalMs: e.SCENIC_GATE_HEALTH_INTERVAL_MS,
    precheck: e.SCENIC_GATE_PRECHECK === 'on',
    metricsToken: e.SCENIC_METRICS_TOKEN,
    metricsPort: e.SCENIC_GATE_METRICS_PORT,
    metricsHost: e.SCENIC_GATE_METRICS_HOST,
    laneAccess: laneAccessOf(e),
    logLevel: e.LOG_LEVEL,
  };
}
