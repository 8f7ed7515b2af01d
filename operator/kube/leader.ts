import type { Logger } from 'pino';
import { sleep } from './backoff.js';
import { isConflict, isNotFound, type KubeClient } from './client.js';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/**
 * Lease-based leader election with client-go's timings (15 s lease, 10 s renew deadline,
 * 2 s retry). A candidate takes the lease when it is free or when its record has not
 * changed for a whole lease duration *as this process observed it* (so clock skew between
 * nodes does not matter). The leader renews every retry period; if it cannot renew within
 * the renew deadline it has lost, and the caller must stop all work and exit.
 */
export class LeaderElector {
  private readonly o: Required<LeaderElectionOptions>;
  private observed?: { record: string; at: number };
  private leading = false;

  constructor(opts: LeaderElectionOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Waits until this process holds the lease; false if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.o.log.info({ lease: this.o.name, identity: this.o.identity }, 'became leader');
        return true;
      }
      await sleep(this.o.retryPeriodMs, signal);
    }
    return false;
  }

  /** Renews until `signal` aborts (resolves 'stopped') or renewal fails for the deadline ('lost'). */
  async hold(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.o.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
      else if (Date.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.log.error({ lease: this.o.name }, 'lost the lease');
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up so another replica takes over at once (graceful shutdown). */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.o.client.get<Lease>(this.path());
      if (lease.spec.holderIdentity !== this.o.identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: null,
        leaseDurationSeconds: 1,
        renewTime: microTime(Date.now()),
      };
      await this.o.client.replace(this.path(), lease);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'could not release the lease');
    }
  }

  private path(name?: string) {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases${name === '' ? '' : `/${this.o.name}`}`;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, identity, leaseDurationMs } = this.o;
    const now = Date.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    try {
      let lease: Lease;
      try {
        lease = await client.get<Lease>(this.path());
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await client.create(this.path(''), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        } satisfies Lease);
        return true;
      }
      const record = JSON.stringify([
        lease.spec.holderIdentity,
        lease.spec.renewTime,
        lease.spec.leaseDurationSeconds,
      ]);
      if (this.observed?.record !== record) this.observed = { record, at: now };
      const holder = lease.spec.holderIdentity;
      const ours = holder === identity;
      const duration = (lease.spec.leaseDurationSeconds ?? 15) * 1000;
      if (!ours && holder && this.observed.at + duration > now) return false;
      lease.spec = {
        ...lease.spec,
        ...spec,
        acquireTime: ours ? lease.spec.acquireTime : microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      };
      await client.replace(this.path(), lease);
      this.observed = {
        record: JSON.stringify([identity, spec.renewTime, spec.leaseDurationSeconds]),
        at: now,
      };
      return true;
    } catch (err) {
      if (!isConflict(err)) this.o.log.warn({ err: (err as Error).message }, 'lease update failed');
      return false;
    }
  }
}
