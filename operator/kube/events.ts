import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from './client.js';

export type EventType = 'Normal' | 'Warning';

/** Something that records Kubernetes Events about an object (faked in unit tests). */
export interface Recorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/**
 * Records core/v1 Events. Fire-and-forget: a failed Event never fails a reconcile. The same
 * (object, reason, message) within `dedupeMs` is recorded once, so level-triggered
 * reconciles that repeat themselves do not spam.
 */
export class EventRecorder implements Recorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly dedupeMs = 10 * 60_000,
  ) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const now = Date.now();
    const key = `${obj.metadata.uid ?? obj.metadata.name}|${reason}|${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.dedupeMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 5_000)
      for (const [k, at] of this.recent) if (now - at >= this.dedupeMs) this.recent.delete(k);
    const ns = obj.metadata.namespace ?? 'default';
    const ts = new Date(now).toISOString();
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${obj.metadata.name}.${now.toString(16)}${randomBytes(3).toString('hex')}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    this.client.create(`/api/v1/namespaces/${ns}/events`, body).catch((err: Error) => {
      this.log.warn({ err: err.message, reason }, 'could not record event');
    });
  }
}
