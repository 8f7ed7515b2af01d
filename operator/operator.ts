import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { openRedis, parseClusterNodes, type Redis, type RedisTarget } from '../core/redis/client.js';
import type { Logger } from 'pino';
import { resolveArea } from './api/defaults.js';
import type { SalesWindow, ScenicArea } from './api/types.js';
import { areaReconciler } from './area/controller.js';
import { CapacityListener } from './capacity/listener.js';
import type { Caches, OperatorContext, RedisPool } from './context.js';
import { checkCrds } from './crd-check.js';
import { KubeClient, resourcePath, type KubeObject } from './kube/client.js';
import { Controller } from './kube/controller.js';
import { EventRecorder } from './kube/events.js';
import { Informer, keyOf, restListWatcher } from './kube/informer.js';
import { LeaderElector } from './kube/leader.js';
import { createMetricsRegistry, type MetricsRegistry } from '../core/telemetry/sdk.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { CHILD_KINDS, MANAGED_BY, RT } from './kube/resources.js';
import { switchesReconciler } from './switches/controller.js';
import { windowAreaKeys, windowReconciler } from './windows/controller.js';
import type { Knex } from 'knex';
import type { TenancyPolicy } from './area/tenancy.js';
import { Claims } from './dataplane/claims.js';
import { sweepDeclarations } from './dataplane/sweep.js';

export interface OperatorOptions {
  kc: KubeConfig;
  redisUrl: string;
  /** the data plane's Redis Cluster seed nodes (`host:port,…`): a cluster client instead of `redisUrl` */
  redisClusterNodes?: string;
  /** Always subscribed; areas on other prefixes add theirs. */
  redisPrefix: string;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  identity: string;
  leaseNamespace: string;
  leaseName?: string;
  log: Logger;
  resyncMs?: number;
  /** Serve /healthz, /readyz, /metrics on this port (0: any free port; undefined: none). */
  httpPort?: number;
  httpHost?: string;
  /** Injected clock (tests). */
  now?: () => Date;
  /**
   * Where the operator's metrics go and what /metrics serves: the process's telemetry
   * (`startTelemetry`). Absent, the operator gets a registry of its own (tests run
   * several operators in one process, each counting its own reconciles).
   */
  telemetry?: MetricsRegistry;
  /** Lease timings (defaults 15 s / 10 s / 2 s). */
  lease?: { durationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /**
   * The selling path's Postgres, written with the operator's own credential: declared
   * fields and area id bindings (ADR 0010). Absent, neither is written (scaling-only tests).
   */
  db?: Knex;
  /** Images and hook origins areas may use (default: the project's image, no hooks). */
  tenancy?: TenancyPolicy;
}

/** The project's image repository: what an unconfigured operator runs, and nothing else. */
export const DEFAULT_TENANCY: TenancyPolicy = {
  imageAllowlist: ['ghcr.io/scenic/scenic'],
  hookAllowlist: [],
};

export type StopReason = 'stopped' | 'lost';

export interface OperatorHandle {
  /** Resolves when the operator has stopped: on `stop()`, or 'lost' when the lease was lost. */
  done: Promise<StopReason>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /** The operator's metrics as /metrics serves them. */
  readonly metrics: Pick<MetricsRegistry, 'render'>;
  /** The port of the health server, if any. */
  port?: number;
  /** Enqueues every cached object in every controller (what a periodic resync does). */
  resync(): void;
}

class Pool implements RedisPool {
  private readonly conns = new Map<string, Redis>();
  constructor(
    private readonly target: RedisTarget,
    private readonly log: Logger,
  ) {}
  forPrefix(prefix: string): Redis {
    let r = this.conns.get(prefix);
    if (!r) {
      r = openRedis(this.target, { keyPrefix: prefix });
      r.on('error', (err: Error) => this.log.warn({ err: err.message, prefix }, 'redis error'));
      this.conns.set(prefix, r);
    }
    return r;
  }
  close() {
    for (const r of this.conns.values()) r.disconnect();
    this.conns.clear();
  }
}

const ownerAreaKey = (o: KubeObject) => {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'ScenicArea');
  return ref ? `${o.metadata.namespace}/${ref.name}` : undefined;
};

const INFORMER_NAMES = ['scenicareas', 'saleswindows', ...CHILD_KINDS.map((k) => k.plural)];

/** The list-watch caches: areas, windows, and the children we manage (by the managed-by label). */
function createCaches(client: KubeClient, o: OperatorOptions): Caches {
  const resyncMs = o.resyncMs ?? 300_000;
  const informer = <T extends KubeObject>(name: string, path: string, selector?: string) =>
    new Informer<T>(restListWatcher<T>(client, path, selector), { name, log: o.log, resyncMs });
  return {
    areas: informer<ScenicArea>('scenicareas', resourcePath(RT.area, o.namespace)),
    windows: informer<SalesWindow>('saleswindows', resourcePath(RT.window, o.namespace)),
    children: new Map(
      CHILD_KINDS.map((rt) => [
        rt.kind,
        informer<KubeObject>(
          rt.plural,
          resourcePath(rt, o.namespace),
          `app.kubernetes.io/managed-by=${MANAGED_BY}`,
        ),
      ]),
    ),
  };
}

const informersOf = (c: Caches) => [c.areas, c.windows, ...c.children.values()];

interface Controllers {
  area: Controller;
  window: Controller;
  switches: Controller;
  all: Controller[];
}

/**
 * Informer events only enqueue keys. Status-only updates of our own are skipped (no
 * generation change), except level changes, which the switches controller turns into
 * channel states.
 */
function routeEvents(caches: Caches, c: Controllers, onAreaSpec: () => void): void {
  const area = (k: string) => {
    c.area.enqueue(k);
    c.switches.enqueue(k);
  };
  caches.areas.on({
    add: (a) => {
      area(keyOf(a));
      onAreaSpec();
    },
    // what it declared is the catalog's again (the area controller finds it gone)
    delete: (a) => c.area.enqueue(keyOf(a)),
    update: (old, a) => {
      const specChanged =
        old.metadata.generation !== a.metadata.generation ||
        old.metadata.deletionTimestamp !== a.metadata.deletionTimestamp;
      if (specChanged) {
        c.area.enqueue(keyOf(a));
        onAreaSpec();
        // Windows of this area depend on its channels and cool-down.
        for (const w of caches.windows.list())
          if (windowAreaKeys(w)[0] === keyOf(a)) c.window.enqueue(keyOf(w));
      }
      if (specChanged || JSON.stringify(old.status?.levels) !== JSON.stringify(a.status?.levels))
        c.switches.enqueue(keyOf(a));
    },
    resync: (a) => area(keyOf(a)),
  });
  const onWindow = (w: SalesWindow, old?: SalesWindow) => {
    c.window.enqueue(keyOf(w));
    for (const k of windowAreaKeys(w, old)) area(k);
  };
  caches.windows.on({
    add: (w) => onWindow(w),
    update: (old, w) => old.metadata.generation !== w.metadata.generation && onWindow(w, old),
    delete: (w) => {
      for (const k of windowAreaKeys(w)) area(k);
    },
    resync: (w) => c.window.enqueue(keyOf(w)),
  });
  for (const inf of caches.children.values()) {
    const toOwner = (child: KubeObject) => {
      const k = ownerAreaKey(child);
      if (k) c.area.enqueue(k);
    };
    inf.on({ update: (_old, child) => toOwner(child), delete: toOwner });
  }
}

/** The operator's gauges, computed at scrape time (once per scrape for all of them). */
function registerGauges(
  metrics: ScenicMetrics,
  caches: Caches,
  elector: LeaderElector,
  c: Controllers,
): void {
  metrics.collect('operator', () =>
    Promise.resolve([
      ...informersOf(caches).map((i, n) => ({
        name: 'scenic_operator_watch_healthy' as const,
        labels: { informer: INFORMER_NAMES[n]! },
        value: i.healthy ? 1 : 0,
      })),
      { name: 'scenic_operator_leader' as const, labels: {}, value: elector.isLeader ? 1 : 0 },
      ...c.all.map((x) => ({
        name: 'scenic_operator_workqueue_depth' as const,
        labels: { controller: x.name },
        value: x.queue.length,
      })),
    ]),
  );
}

function electorFor(client: KubeClient, o: OperatorOptions): LeaderElector {
  return new LeaderElector({
    client,
    namespace: o.leaseNamespace,
    name: o.leaseName ?? 'scenic-operator',
    identity: o.identity,
    log: o.log,
    leaseDurationMs: o.lease?.durationMs,
    renewDeadlineMs: o.lease?.renewDeadlineMs,
    retryPeriodMs: o.lease?.retryPeriodMs,
  });
}

/** The three controllers over one context; the context enqueues into them. */
function createControllers(base: Omit<OperatorContext, 'enqueueArea' | 'enqueueSwitches'>): {
  ctx: OperatorContext;
  c: Controllers;
} {
  const ctx: OperatorContext = {
    ...base,
    enqueueArea: (k) => area.enqueue(k),
    enqueueSwitches: (k) => switches.enqueue(k),
  };
  const opts = { log: base.log, metrics: base.metrics };
  const area = new Controller('scenicarea', areaReconciler(ctx), opts);
  const window = new Controller('saleswindow', windowReconciler(ctx), opts);
  const switches = new Controller('channelswitch', switchesReconciler(ctx), opts);
  return { ctx, c: { area, window, switches, all: [area, window, switches] } };
}

interface Running {
  o: OperatorOptions;
  ctx: OperatorContext;
  elector: LeaderElector;
  informers: Informer<KubeObject>[];
  controllers: Controller[];
  listener: CapacityListener;
  prefixes: () => Set<string>;
  pool: Pool;
  server: http.Server | undefined;
  abort: AbortController;
}

/**
 * Campaigns for the lease; once held, starts the watches, waits for them to sync, then
 * the listener and the controllers, and holds the lease until stopped or lost. Then
 * stops taking work, lets reconciles in flight finish, drops the watches and the lease.
 */
async function run(r: Running): Promise<StopReason> {
  const { o, elector, informers, abort } = r;
  let leading = false;
  const done = (async (): Promise<StopReason> => {
    if (!(await elector.acquire(abort.signal))) return 'stopped';
    leading = true;
    for (const i of informers) i.start();
    await Promise.race([
      Promise.all(informers.map((i) => i.synced())),
      new Promise((res) => abort.signal.addEventListener('abort', res, { once: true })),
    ]);
    if (!abort.signal.aborted) {
      await sweepDeclarations(r.ctx, o.namespace).catch((err: Error) =>
        o.log.warn({ err: err.message }, 'could not sweep declarations of deleted ScenicAreas'),
      );
      await r.listener.sync(r.prefixes());
      for (const c of r.controllers) c.start();
      o.log.info({ namespace: o.namespace ?? '(all)', identity: o.identity }, 'operator running');
    }
    return elector.hold(abort.signal);
  })();
  const reason = await done.catch((err: Error) => {
    o.log.error({ err: err.message }, 'operator failed');
    return 'lost' as const;
  });
  abort.abort();
  await Promise.all(r.controllers.map((c) => c.stop()));
  await r.listener.stop();
  await Promise.all(informers.map((i) => i.stop()));
  r.pool.close();
  if (reason === 'stopped' && leading) await elector.release();
  await new Promise<void>((res) => (r.server ? r.server.close(() => res()) : res()));
  o.log.info({ reason }, 'operator stopped');
  return reason;
}

/**
 * Starts the operator: checks the CRDs, waits for the lease, then runs the informers and the
 * controllers (children, sales windows, channel switches) and the capacity listener until
 * stopped or the lease is lost. A process holding no lease does nothing but wait for it.
 */
export async function startOperator(o: OperatorOptions): Promise<OperatorHandle> {
  const log = o.log;
  const client = new KubeClient(o.kc);
  const registry = o.telemetry ?? createMetricsRegistry({ roles: ['operator'] });
  const metrics = registry.metrics;
  const abort = new AbortController();
  await checkCrds(client);
  const elector = electorFor(client, o);
  const caches = createCaches(client, o);
  // The operator's writes are switches, not stock: they do not wait for replicas.
  const redisTarget: RedisTarget = {
    url: o.redisUrl,
    clusterNodes: o.redisClusterNodes ? parseClusterNodes(o.redisClusterNodes) : undefined,
    waitReplicas: 0,
    waitTimeoutMs: 0,
  };
  const pool = new Pool(redisTarget, log);
  const { ctx, c } = createControllers({
    client,
    caches,
    recorder: new EventRecorder(client, 'scenic-operator', o.identity, log),
    redis: pool,
    log,
    metrics,
    now: o.now ?? (() => new Date()),
    dataPlane: o.db ? { db: o.db } : undefined,
    tenancy: o.tenancy ?? DEFAULT_TENANCY,
    claims: new Claims(o.db),
  });
  registerGauges(metrics, caches, elector, c);
  const listener = new CapacityListener(ctx, redisTarget);
  const prefixes = () =>
    new Set([o.redisPrefix, ...caches.areas.list().map((a) => resolveArea(a).redisPrefix)]);
  routeEvents(caches, c, () => void listener.sync(prefixes()));
  const informers = informersOf(caches);
  const server =
    o.httpPort === undefined
      ? undefined
      : await serve(
          o.httpPort,
          o.httpHost ?? '0.0.0.0',
          registry,
          () => !elector.isLeader || informers.every((i) => i.hasSynced),
        );

  const shutdown = (async () => {
    const reason = await run({
      o,
      ctx,
      elector,
      informers,
      controllers: c.all,
      listener,
      prefixes,
      pool,
      server,
      abort,
    });
    // a registry of our own goes with us; the process's is the process's to shut down
    if (!o.telemetry) await registry.shutdown();
    return reason;
  })();
  return {
    done: shutdown,
    stop: async () => {
      abort.abort();
      await shutdown;
    },
    get isLeader() {
      return elector.isLeader;
    },
    resync() {
      for (const a of caches.areas.list()) {
        c.area.enqueue(keyOf(a));
        c.switches.enqueue(keyOf(a));
      }
      for (const w of caches.windows.list()) c.window.enqueue(keyOf(w));
    },
    metrics: registry,
    port: server ? (server.address() as { port: number }).port : undefined,
  };
}

async function serve(
  port: number,
  host: string,
  metrics: Pick<MetricsRegistry, 'render'>,
  ready: () => boolean,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.url === '/readyz')
      return void res.writeHead(ready() ? 200 : 503).end(ready() ? 'ok' : 'caches not synced');
    if (req.url === '/metrics')
      return void metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
        () => res.writeHead(500).end(),
      );
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
