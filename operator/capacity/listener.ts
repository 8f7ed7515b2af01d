import { openRedis, type Redis, type RedisTarget } from '../../core/redis/client.js';
import {
  subscribeInventoryEvents,
  type InventoryEvent,
  type LevelChangeEvent,
} from '../../core/inventory/events.js';
import { resolveArea, type ResolvedArea } from '../api/defaults.js';
import { localDate } from '../../core/time.js';
import type { ScenicArea } from '../api/types.js';
import { OPERATOR_ACTOR, type OperatorContext } from '../context.js';
import { isConflict, isNotFound, resourcePath } from '../kube/client.js';
import { FIELD_MANAGER, RT } from '../kube/resources.js';
import { directionOf, mergeLevel } from './levels.js';
import { admitted } from '../dataplane/claims.js';
import { hookAllowed } from '../area/tenancy.js';

/**
 * Hears the data plane's capacity-level events (published by the reservation script at the
 * exact sale that crosses a threshold) and, within the second, records the day's level in
 * the ScenicArea status, emits an Event and calls the area's alert/broadcast hooks. The
 * channel states follow from the status change (the switches controller watches levels).
 * One subscription per Redis key prefix in use; updates of one area are serialised.
 */
export class CapacityListener {
  private readonly subscriber: Redis;
  private readonly subscribed = new Map<string, Promise<() => Promise<void>>>();
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly ctx: OperatorContext,
    redis: RedisTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.subscriber = openRedis(redis, { forQueues: true });
    this.subscriber.on('error', (err: Error) => ctx.log.warn({ err: err.message }, 'redis subscriber error'));
  }

  /** Subscribes to the events of every prefix in use (idempotent). */
  async sync(prefixes: Iterable<string>): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const p of prefixes) {
      if (this.stopped || this.subscribed.has(p)) continue;
      const sub = subscribeInventoryEvents(this.subscriber, p, (e) => this.onEvent(p, e));
      this.subscribed.set(p, sub);
      waits.push(sub);
    }
    await Promise.all(waits);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.chains.values()]);
    this.subscriber.disconnect();
  }

  private onEvent(prefix: string, e: InventoryEvent): void {
    for (const area of this.ctx.caches.areas.list()) {
      const a = resolveArea(area);
      if (a.redisPrefix !== prefix || a.areaId !== e.areaId) continue;
      const key = `${a.namespace}/${a.name}`;
      if (e.type === 'channel-switch') {
        // Someone else flipped a switch: re-assert the spec for declared channels.
        if (e.actor !== OPERATOR_ACTOR) this.ctx.enqueueSwitches(key);
        continue;
      }
      if (e.type !== 'capacity-level') continue; // slot-state is for API replicas' caches
      const prev = this.chains.get(key) ?? Promise.resolve();
      // a claimant refused the id (issue 17.13) hears nothing: no status, no Event, no hook
      const next = prev
        .then(async () => {
          if (await admitted(area, this.ctx)) await this.record(a, e);
        })
        .catch((err: Error) =>
          this.ctx.log.error({ err: err.message, area: key }, 'could not record capacity level'),
        );
      this.chains.set(key, next);
    }
  }

  private async record(a: ResolvedArea, e: LevelChangeEvent): Promise<void> {
    const path = resourcePath(RT.area, a.namespace, a.name);
    for (let attempt = 0; attempt < 5; attempt++) {
      let fresh: ScenicArea;
      try {
        fresh = await this.ctx.client.get<ScenicArea>(path);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const levels = mergeLevel(fresh.status?.levels ?? [], e, localDate(this.ctx.now(), a.timezone));
      if (!levels) return;
      try {
        // resourceVersion makes the merge patch conditional: a concurrent writer means retry.
        await this.ctx.client.mergePatch(
          `${path}/status`,
          { metadata: { resourceVersion: fresh.metadata.resourceVersion }, status: { levels } },
          FIELD_MANAGER,
        );
      } catch (err) {
        if (isConflict(err)) continue;
        throw err;
      }
      const pct = e.capacity ? Math.round((e.used / e.capacity) * 1000) / 10 : 0;
      const dir = directionOf(e);
      const serious = dir === 'raised' && (e.level === 'orange' || e.level === 'red');
      this.ctx.recorder.event(
        fresh,
        serious ? 'Warning' : 'Normal',
        dir === 'raised' ? 'CapacityLevelRaised' : 'CapacityLevelLowered',
        `${e.date}: ${e.previous} → ${e.level} (${e.used}/${e.capacity}, ${pct}%)`,
      );
      this.callHooks(fresh, a, e);
      return;
    }
    throw new Error('status kept changing under us (5 conflicts)');
  }

  private callHooks(area: ScenicArea, a: ResolvedArea, e: LevelChangeEvent): void {
    const t = a.spec.thresholds;
    const notice = e.level === 'green' ? undefined : t?.[e.level]?.notice;
    const body = JSON.stringify({
      type: 'capacity-level',
      area: `${a.namespace}/${a.name}`,
      areaId: a.areaId,
      date: e.date,
      level: e.level,
      previous: e.previous,
      used: e.used,
      capacity: e.capacity,
      at: new Date(e.at).toISOString(),
      notice: notice ?? null,
      diversionPlan: e.level === 'red' ? (t?.red?.diversionPlan ?? null) : null,
    });
    for (const h of a.spec.hooks ?? []) {
      if (h.levels?.length && !h.levels.includes(e.level)) continue;
      if (!hookAllowed(h.url, this.ctx.tenancy)) continue; // the area is refused anyway: never post

      this.fetchImpl(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(3_000),
      })
        .then((res) => {
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
        })
        .catch((err: Error) =>
          this.ctx.recorder.event(area, 'Warning', 'HookFailed', `hook ${h.name}: ${err.message}`),
        );
    }
  }
}
