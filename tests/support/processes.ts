import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/scenic.mjs', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A `scenic <role>` child process, run as in production (its own process, killed for
 * real with SIGKILL by crash tests). Output is kept for diagnostics.
 */
export class RoleProcess {
  child: ChildProcess | undefined;
  output = '';
  exits = 0;
  constructor(
    readonly role: string,
    private readonly env: Record<string, string>,
    /** variables of the test's own environment the role must not inherit */
    private readonly unset: readonly string[] = [],
  ) {}

  start(): void {
    const env = childEnv(this.env);
    for (const k of this.unset) delete env[k];
    const child = spawn(process.execPath, [BIN, this.role], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (this.output = (this.output + c.toString('utf8')).slice(-20_000)));
    child.stderr.on('data', (c: Buffer) => (this.output = (this.output + c.toString('utf8')).slice(-20_000)));
    child.on('exit', () => this.exits++);
    this.child = child;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  }
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where a role process finds its books, its hot stock and its payment provider. */
export interface RoleEnvOptions {
  databaseUrl: string;
  schema: string;
  redis: { url: string; prefix: string };
  /** the payment provider fake's variables (`WechatPayFake.env()`) */
  gateway: Record<string, string>;
  port: number;
  poolMax?: number;
}

/**
 * The environment of an API or worker process run by a test against the WeChat Pay fake: fresh
 * personal-data keys per run (never a default), the fake allowed explicitly, quiet logs.
 */
export function roleEnv(o: RoleEnvOptions): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    DATABASE_SCHEMA: o.schema,
    DATABASE_POOL_MAX: String(o.poolMax ?? 10),
    REDIS_URL: o.redis.url,
    REDIS_PREFIX: o.redis.prefix,
    SCENIC_PII_KEY: randomBytes(32).toString('base64'),
    SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
    SCENIC_PAYMENT_PROVIDERS: 'wechat',
    ...o.gateway,
    SCENIC_ALLOW_FAKE_GATEWAY: '1',
    SCENIC_PUBLIC_URL: `http://127.0.0.1:${o.port}`,
    HOST: '127.0.0.1',
    PORT: String(o.port),
    LOG_LEVEL: 'warn',
    // as in tests/support/platform.ts: the crowds of these tests are a few addresses placing
    // many anonymous orders, so the held-units budgets (17.8) are opened wide; left at 20
    // units an address, a fast order path spent them before the failover the test is about
    SCENIC_ANON_UNITS_PER_ORDER: '500',
    SCENIC_ANON_HELD_UNITS: '1000000',
    SCENIC_ANON_HOLD_TTL_SECONDS: '3600',
    SCENIC_VISITOR_HELD_UNITS: '1000000',
  };
}

/**
 * Runs `scenic <args>` (the CLI as an operator types it) against a test's schema and resolves with
 * its output; a non-zero exit rejects with the process error (`code` is the exit status).
 */
export async function runScenic(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [BIN, ...args], { env: childEnv(env) });
}

/**
 * A child's environment: the shell's (PATH and the like) under `env`. A Redis cluster the
 * shell's env file names would win over `env`'s REDIS_URL in loadConfig, so the child gets
 * the Redis the test gave it.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.REDIS_CLUSTER_NODES) delete out.REDIS_CLUSTER_NODES;
  return out;
}
