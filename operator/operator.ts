import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
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
import { Metrics } from './kube/metrics.js';
import { CHILD_KINDS, MANAGED_BY, RT } from './kube/resources.js';
import { switchesReconciler } from './switches/controller.js';
import { windowAreaKeys, windowReconciler } from './windows/controller.js';

export interface OperatorOptions {
  kc: KubeConfig;
  redisUrl: string;
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
  /** Lease timings (defaults 15 s / 10 s / 2 s). */
  lease?: { durationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

export type StopReason = 'stopped' | 'lost';

export interface OperatorHandle {
  /** Resolves when the operator has stopped: on `stop()`, or 'lost' when the lease was lost. */
  done: Promise<StopReason>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
  readonly metrics: Metrics;
  /** The port of the health server, if any. */
  port?: number;
  /** Enqueues every cached object in every controller (what a periodic resync does). */
  resync(): void;
}

class Pool implements RedisPool {
  private readonly conns = new Map<string, Redis>();
  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}
  forPrefix(prefix: string): Redis {
    let r = this.conns.get(prefix);
    if (!r) {
      r = new Redis(this.url, { keyPrefix: prefix, maxRetriesPerRequest: 3 });
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

/**
 * Starts the operator: checks the CRDs, waits for the lease, then runs the informers and the
 * controllers (children, sales windows, channel switches) and the capacity listener until
 * stopped or the lease is lost. A process holding no lease does nothing but wait for it.
 */
export async function startOperator(o: OperatorOptions): Promise<OperatorHandle> {
  const log = o.log;
  const client = new KubeClient(o.kc);
  const metrics = new Metrics();
  const abort = new AbortController();
  await checkCrds(client);

  const elector = new LeaderElector({
    client,
    namespace: o.leaseNamespace,
    name: o.leaseName ?? 'scenic-operator',
    identity: o.identity,
    log,
    leaseDurationMs: o.lease?.durationMs,
    renewDeadlineMs: o.lease?.renewDeadlineMs,
    retryPeriodMs: o.lease?.retryPeriodMs,
  });

  const resyncMs = o.resyncMs ?? 300_000;
  const informer = <T extends KubeObject>(name: string, path: string, selector?: string) =>
    new Informer<T>(restListWatcher<T>(client, path, selector), { name, log, resyncMs });
  const caches: Caches = {
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
  const allInformers = [caches.areas, caches.windows, ...caches.children.values()];
  metrics.gauge(
    'scenic_operator_watch_healthy',
    'Whether each informer is listed and watching (1) or not (0).',
    () =>
      allInformers.map((i, n) => ({
        labels: { informer: [...['scenicareas', 'saleswindows'], ...CHILD_KINDS.map((k) => k.plural)][n]! },
        value: i.healthy ? 1 : 0,
      })),
  );
  metrics.gauge('scenic_operator_leader', 'Whether this replica holds the lease.', () => [
    { labels: {}, value: elector.isLeader ? 1 : 0 },
  ]);

  const pool = new Pool(o.redisUrl, log);
  const controllers: Controller[] = [];
  const ctx: OperatorContext = {
    client,
    caches,
    recorder: new EventRecorder(client, 'scenic-operator', o.identity, log),
    redis: pool,
    log,
    metrics,
    now: o.now ?? (() => new Date()),
    enqueueArea: (k) => areaCtl.enqueue(k),
    enqueueSwitches: (k) => switchCtl.enqueue(k),
  };
  const areaCtl = new Controller('scenicarea', areaReconciler(ctx), { log, metrics });
  const windowCtl = new Controller('saleswindow', windowReconciler(ctx), { log, metrics });
  const switchCtl = new Controller('channelswitch', switchesReconciler(ctx), { log, metrics });
  controllers.push(areaCtl, windowCtl, switchCtl);
  metrics.gauge('scenic_operator_workqueue_depth', 'Keys waiting per controller.', () =>
    controllers.map((c) => ({ labels: { controller: c.name }, value: c.queue.length })),
  );
  const listener = new CapacityListener(ctx, o.redisUrl);
  const prefixes = () =>
    new Set([o.redisPrefix, ...caches.areas.list().map((a) => resolveArea(a).redisPrefix)]);

  // Informer events only enqueue keys. Status-only updates of our own are skipped (no
  // generation change), except level changes, which the switches controller turns into
  // channel states.
  caches.areas.on({
    add: (a) => {
      areaCtl.enqueue(keyOf(a));
      switchCtl.enqueue(keyOf(a));
      void listener.sync(prefixes());
    },
    update: (old, a) => {
      const specChanged =
        old.metadata.generation !== a.metadata.generation ||
        old.metadata.deletionTimestamp !== a.metadata.deletionTimestamp;
      if (specChanged) {
        areaCtl.enqueue(keyOf(a));
        void listener.sync(prefixes());
        // Windows of this area depend on its channels and cool-down.
        for (const w of caches.windows.list())
          if (windowAreaKeys(w)[0] === keyOf(a)) windowCtl.enqueue(keyOf(w));
      }
      if (specChanged || JSON.stringify(old.status?.levels) !== JSON.stringify(a.status?.levels))
        switchCtl.enqueue(keyOf(a));
    },
    resync: (a) => {
      areaCtl.enqueue(keyOf(a));
      switchCtl.enqueue(keyOf(a));
    },
  });
  const onWindow = (w: SalesWindow, old?: SalesWindow) => {
    windowCtl.enqueue(keyOf(w));
    for (const k of windowAreaKeys(w, old)) {
      areaCtl.enqueue(k);
      switchCtl.enqueue(k);
    }
  };
  caches.windows.on({
    add: (w) => onWindow(w),
    update: (old, w) => old.metadata.generation !== w.metadata.generation && onWindow(w, old),
    delete: (w) => {
      for (const k of windowAreaKeys(w)) {
        areaCtl.enqueue(k);
        switchCtl.enqueue(k);
      }
    },
    resync: (w) => windowCtl.enqueue(keyOf(w)),
  });
  for (const inf of caches.children.values()) {
    const toOwner = (c: KubeObject) => {
      const k = ownerAreaKey(c);
      if (k) areaCtl.enqueue(k);
    };
    inf.on({ update: (_old, c) => toOwner(c), delete: toOwner });
  }

  const server =
    o.httpPort === undefined
      ? undefined
      : await serve(
          o.httpPort,
          o.httpHost ?? '0.0.0.0',
          metrics,
          () => !elector.isLeader || allInformers.every((i) => i.hasSynced),
        );

  let leading = false;
  const done = (async (): Promise<StopReason> => {
    if (!(await elector.acquire(abort.signal))) return 'stopped';
    leading = true;
    for (const i of allInformers) i.start();
    await Promise.race([
      Promise.all(allInformers.map((i) => i.synced())),
      new Promise((r) => abort.signal.addEventListener('abort', r, { once: true })),
    ]);
    if (!abort.signal.aborted) {
      await listener.sync(prefixes());
      for (const c of controllers) c.start();
      log.info({ namespace: o.namespace ?? '(all)', identity: o.identity }, 'operator running');
    }
    return elector.hold(abort.signal);
  })();

  const shutdown = (async () => {
    const reason = await done.catch((err: Error) => {
      log.error({ err: err.message }, 'operator failed');
      return 'lost' as const;
    });
    abort.abort();
    // Stop taking work, let reconciles in flight finish, then drop the watches and the lease.
    await Promise.all(controllers.map((c) => c.stop()));
    await listener.stop();
    await Promise.all(allInformers.map((i) => i.stop()));
    pool.close();
    if (reason === 'stopped' && leading) await elector.release();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    log.info({ reason }, 'operator stopped');
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
        areaCtl.enqueue(keyOf(a));
        switchCtl.enqueue(keyOf(a));
      }
      for (const w of caches.windows.list()) windowCtl.enqueue(keyOf(w));
    },
    metrics,
    port: server ? (server.address() as { port: number }).port : undefined,
  };
}

async function serve(
  port: number,
  host: string,
  metrics: Metrics,
  ready: () => boolean,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.url === '/readyz')
      return void res.writeHead(ready() ? 200 : 503).end(ready() ? 'ok' : 'caches not synced');
    if (req.url === '/metrics')
      return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
