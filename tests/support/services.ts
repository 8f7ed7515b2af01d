/**
 * Where tests get their real Postgres, Redis and Kubernetes from, in this order:
 *   1. DATABASE_URL / REDIS_URL / KUBECONFIG when set (CI and `make test` set them
 *      from the services started by scripts/services.sh and scripts/kube.sh);
 *   2. testcontainers, when a Docker engine is reachable;
 *   3. otherwise a failure that says how to start the service. Never a skip.
 * Each test file gets its own Postgres schema, Redis key prefix and namespace, so
 * files run in parallel without seeing each other.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export class MissingServiceError extends Error {
  constructor(service: string, envVar: string, script: string) {
    super(
      `${service} is not available to the tests: ${envVar} is not set and no Docker engine is reachable for testcontainers.\n` +
        `Start it with \`bash ${script} up\` and export the variables with \`source ${process.env.SCENIC_STATE ?? '/var/tmp/scenic'}/env\`, ` +
        `or run everything with \`make test\`.`,
    );
    this.name = 'MissingServiceError';
  }
}

export function dockerReachable(): boolean {
  if (process.env.DOCKER_HOST) return true;
  return existsSync('/var/run/docker.sock');
}

/** A short random suffix safe for schema names, key prefixes and namespace names. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

const containers: { stop(): Promise<unknown> }[] = [];

export async function postgresUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!dockerReachable()) throw new MissingServiceError('PostgreSQL', 'DATABASE_URL', 'scripts/services.sh');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const c = await new PostgreSqlContainer('postgres:15-alpine').start();
  containers.push(c);
  return c.getConnectionUri();
}

export async function redisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (!dockerReachable()) throw new MissingServiceError('Redis', 'REDIS_URL', 'scripts/services.sh');
  const { RedisContainer } = await import('@testcontainers/redis');
  const c = await new RedisContainer('redis:7-alpine').start();
  containers.push(c);
  return c.getConnectionUrl();
}

/** Path of a kubeconfig for a real kube-apiserver. */
export async function kubeconfigPath(): Promise<string> {
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG;
  if (!dockerReachable())
    throw new MissingServiceError('The Kubernetes API server', 'KUBECONFIG', 'scripts/kube.sh');
  const { K3sContainer } = await import('@testcontainers/k3s');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const c = await new K3sContainer('rancher/k3s:v1.34.1-k3s1').start();
  containers.push(c);
  const file = join(mkdtempSync(join(tmpdir(), 'scenic-k3s-')), 'kubeconfig');
  writeFileSync(file, c.getKubeConfig());
  return file;
}

export async function stopContainers(): Promise<void> {
  await Promise.all(containers.splice(0).map((c) => c.stop()));
}
