import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** A failed API call, with the HTTP status and the Status `reason` (NotFound, Conflict, Gone...). */
export class KubeError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeError && e.statusCode === 404;
export const isConflict = (e: unknown) => e instanceof KubeError && e.statusCode === 409;
export const isGone = (e: unknown) => e instanceof KubeError && e.statusCode === 410;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Where a kind lives in the API. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  kind: string;
}

export function resourcePath(
  rt: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const n = name ? `/${encodeURIComponent(name)}` : '';
  const sub = name && subresource ? `/${subresource}` : '';
  return `${base}${ns}/${rt.plural}${n}${sub}`;
}

export const apiVersionOf = (rt: ResourceType) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * A small Kubernetes REST client on node:https, authenticated by a KubeConfig. Why not the
 * generated clients: server-side apply, merge patches on `/status`, precise status codes
 * and streaming watches are all first-class here, with one code path for every kind.
 */
export class KubeClient {
  private readonly server: string;

  constructor(
    readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 30_000,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, opts);
    const text = await readAll(res);
    if (res.statusCode && res.statusCode >= 400) throw toError(res.statusCode, text, method, path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Opens a streaming GET (watch) and calls `onLine` for each JSON line until the stream ends. */
  async stream(
    path: string,
    query: Query,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await this.open('GET', path, { query, signal, timeoutMs: 0 });
    if (res.statusCode && res.statusCode >= 400)
      throw toError(res.statusCode, await readAll(res), 'GET', path);
    res.setEncoding('utf8');
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onLine(line);
        }
      });
      res.on('end', resolve);
      res.on('aborted', () => reject(new Error('watch stream aborted')));
      res.on('error', reject);
    });
  }

  get<T>(path: string, query?: Query) {
    return this.request<T>('GET', path, { query });
  }

  /** Server-side apply with a stable field manager; `force` takes fields over from others. */
  apply<T extends KubeObject>(
    path: string,
    obj: T,
    fieldManager: string,
    opts: { force?: boolean; dryRun?: boolean } = {},
  ) {
    return this.request<T>('PATCH', path, {
      query: { fieldManager, force: opts.force ?? true, dryRun: opts.dryRun ? 'All' : undefined },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  mergePatch<T>(path: string, patch: unknown, fieldManager: string) {
    return this.request<T>('PATCH', path, {
      query: { fieldManager },
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  create<T>(path: string, obj: unknown, fieldManager?: string) {
    return this.request<T>('POST', path, { query: { fieldManager }, body: obj });
  }

  replace<T>(path: string, obj: unknown, fieldManager?: string) {
    return this.request<T>('PUT', path, { query: { fieldManager }, body: obj });
  }

  delete(path: string, body?: unknown) {
    return this.request<unknown>('DELETE', path, { body });
  }

  private async open(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const reqOpts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(reqOpts);
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) {
      reqOpts.headers = {
        ...reqOpts.headers,
        'Content-Type': opts.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(payload),
      };
    }
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { ...reqOpts, signal: opts.signal }, resolve);
      req.on('error', reject);
      if (timeoutMs > 0)
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)),
        );
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toError(status: number, text: string, method: string, path: string): KubeError {
  let reason = String(status);
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    message = s.message ?? message;
  } catch {
    /* not a Status */
  }
  return new KubeError(status, reason, `${method} ${path}: ${status} ${reason}: ${message}`);
}
