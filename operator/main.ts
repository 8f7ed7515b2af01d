import { instrumentations } from '../core/telemetry/instrument.js'; // first: patches libraries before they load
import { KubeConfig } from '@kubernetes/client-node';
import { startTelemetry } from '../core/telemetry/sdk.js';
import { createLogger } from '../core/log.js';
import { loadOperatorConfig } from './config.js';
import { startOperator } from './operator.js';
import { createDb } from '../core/db/knex.js';
import { parseList } from './area/tenancy.js';

/**
 * `scenic operator`: validates the environment, connects to Kubernetes (KUBECONFIG or the
 * in-cluster service account) and runs until SIGTERM/SIGINT (exit 0, lease released) or
 * until the lease is lost (exit 1: the pod restarts and campaigns again, never acting
 * alongside a new leader).
 */
export async function main(): Promise<number> {
  const cfg = loadOperatorConfig();
  const log = createLogger('operator', cfg.LOG_LEVEL);
  // one telemetry for the process: traces, and the metrics /metrics serves (and OTLP pushes)
  const telemetry = startTelemetry({ role: 'operator', instrumentations });
  const kc = new KubeConfig();
  if (cfg.KUBECONFIG) kc.loadFromFile(cfg.KUBECONFIG);
  else kc.loadFromCluster();
  const namespace = cfg.WATCH_NAMESPACE;
  const leaseNamespace =
    cfg.LEASE_NAMESPACE ?? namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 4 });
  const op = await startOperator({
    kc,
    db,
    tenancy: {
      imageAllowlist: parseList(cfg.SCENIC_IMAGE_ALLOWLIST),
      hookAllowlist: parseList(cfg.SCENIC_HOOK_ALLOWLIST),
    },
    redisUrl: cfg.REDIS_URL,
    redisClusterNodes: cfg.REDIS_CLUSTER_NODES,
    redisPrefix: cfg.REDIS_PREFIX,
    namespace,
    identity: cfg.POD_NAME,
    leaseNamespace,
    leaseName: cfg.LEASE_NAME,
    log,
    resyncMs: cfg.RESYNC_SECONDS * 1000,
    httpPort: cfg.OPERATOR_HTTP_PORT || undefined,
    httpHost: cfg.OPERATOR_HTTP_HOST,
    telemetry,
  });
  const onSignal = (sig: string) => {
    log.info({ signal: sig }, 'shutting down');
    void op.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const reason = await op.done;
  await db.destroy();
  await telemetry.shutdown();
  return reason === 'lost' ? 1 : 0;
}
