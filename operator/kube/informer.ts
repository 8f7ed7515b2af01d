import type { Logger } from 'pino';
import { jitteredBackoff, sleep } from './backoff.js';
import { isGone, KubeError, type KubeClient, type KubeList, type KubeObject } from './client.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/** How an informer lists and watches; the REST one below, fakes in tests. */
export interface ListWatcher<T extends KubeObject> {
  list(): Promise<KubeList<T>>;
  /** Streams events from `resourceVersion` until the server ends the watch; rejects with a
   * 410 KubeError when the version is too old to watch from. */
  watch(resourceVersion: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export function restListWatcher<T extends KubeObject>(
  client: KubeClient,
  path: string,
  labelSelector?: string,
): ListWatcher<T> {
  return {
    async list() {
      const items: T[] = [];
      let cont: string | undefined;
      let rv: string | undefined;
      do {
        const page = await client.get<KubeList<T>>(path, { labelSelector, limit: 500, continue: cont });
        items.push(...page.items);
        cont = page.metadata.continue || undefined;
        rv = page.metadata.resourceVersion;
      } while (cont);
      return { metadata: { resourceVersion: rv }, items };
    },
    async watch(resourceVersion, onEvent, signal) {
      let failure: KubeError | undefined;
      const inner = new AbortController();
      const abort = () => inner.abort();
      signal.addEventListener('abort', abort, { once: true });
      try {
        await client.stream(
          path,
          {
            watch: true,
            resourceVersion,
            allowWatchBookmarks: true,
            labelSelector,
            // The server ends each watch after this; we re-watch from the last version seen.
            timeoutSeconds: 240 + Math.floor(Math.random() * 120),
          },
          (line) => {
            const e = JSON.parse(line) as { type: string; object: unknown };
            if (e.type === 'ERROR') {
              const s = e.object as { code?: number; reason?: string; message?: string };
              failure = new KubeError(s.code ?? 500, s.reason ?? 'WatchError', s.message ?? 'watch error');
              inner.abort();
              return;
            }
            onEvent(e as WatchEvent<T>);
          },
          inner.signal,
        );
      } catch (err) {
        if (failure) throw failure;
        if (signal.aborted) return;
        throw err;
      } finally {
        signal.removeEventListener('abort', abort);
      }
      if (failure) throw failure;
    },
  };
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
  /** Called for every cached object on each periodic resync. */
  resync?(obj: T): void;
}

export interface InformerOptions {
  name: string;
  log: Logger;
  /** Full relist (and resync of handlers) period. */
  resyncMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export const keyOf = (o: KubeObject) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

/**
 * A list-watch cache that does not stall. `@kubernetes/client-node`'s informer stops on
 * errors; this one restarts after every error with jittered backoff, relists on 410 Gone
 * (and every `resyncMs`, diffing against its cache so handlers see the truth), and reports
 * whether its watch is healthy for readiness and metrics.
 */
export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private syncedResolve!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.syncedResolve = r));
  private isSynced = false;
  private watching = false;
  /** Times the informer had to relist because its version was gone (410). */
  relistsOnGone = 0;
  restarts = 0;
  lastError?: string;

  constructor(
    private readonly lw: ListWatcher<T>,
    private readonly opts: InformerOptions,
  ) {}

  on(h: InformerHandlers<T>): this {
    this.handlers.push(h);
    return this;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** Resolves after the first successful list. */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  /** Listed at least once and currently watching without an error. */
  get healthy(): boolean {
    return this.isSynced && this.watching;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  private async loop(): Promise<void> {
    const { resyncMs = 300_000, baseBackoffMs = 500, maxBackoffMs = 30_000 } = this.opts;
    let rv: string | undefined;
    let attempt = 0;
    let lastList = 0;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (!rv || Date.now() - lastList >= resyncMs) {
          const list = await this.lw.list();
          if (signal.aborted) break;
          this.replace(list.items, rv !== undefined);
          rv = list.metadata.resourceVersion ?? '0';
          lastList = Date.now();
          if (!this.isSynced) {
            this.isSynced = true;
            this.syncedResolve();
          }
        }
        this.watching = true;
        const watchFor = Math.max(1_000, resyncMs - (Date.now() - lastList));
        const slice = AbortSignal.any([signal, AbortSignal.timeout(watchFor)]);
        await this.lw.watch(rv, (e) => (rv = this.apply(e) ?? rv), slice);
        attempt = 0;
      } catch (err) {
        this.watching = false;
        if (signal.aborted) break;
        this.restarts++;
        this.lastError = err instanceof Error ? err.message : String(err);
        if (isGone(err)) {
          this.relistsOnGone++;
          rv = undefined;
          this.opts.log.info({ informer: this.opts.name }, 'watch version gone (410): relisting');
          continue;
        }
        const delay = jitteredBackoff(attempt++, baseBackoffMs, maxBackoffMs);
        this.opts.log.warn(
          { informer: this.opts.name, err: this.lastError, delay },
          'watch failed: restarting',
        );
        await sleep(delay, signal);
      }
    }
    this.watching = false;
  }

  /** Applies one watch event to the cache; returns the event's resourceVersion. */
  private apply(e: WatchEvent<T>): string | undefined {
    const rv = e.object.metadata.resourceVersion;
    if (e.type === 'BOOKMARK') return rv;
    const key = keyOf(e.object);
    const old = this.store.get(key);
    if (e.type === 'DELETED') {
      this.store.delete(key);
      for (const h of this.handlers) h.delete?.(e.object);
    } else {
      this.store.set(key, e.object);
      for (const h of this.handlers) {
        if (old) h.update?.(old, e.object);
        else h.add?.(e.object);
      }
    }
    return rv;
  }

  /** Replaces the cache with a fresh list, telling handlers what changed (and resyncing). */
  private replace(items: T[], isRelist: boolean): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, obj);
      for (const h of this.handlers) {
        if (!old) h.add?.(obj);
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) h.update?.(old, obj);
        else if (isRelist) h.resync?.(obj);
      }
    }
    for (const [key, old] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      for (const h of this.handlers) h.delete?.(old);
    }
  }
}
