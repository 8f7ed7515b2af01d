import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { DomainError, conflict, unauthenticated } from '../errors.js';
import { luaScripts } from '../lua.js';

/**
 * The virtual waiting room of a presale. Buyers are numbered in order of arrival
 * (one number per device); an admission frontier starts at `burst` when the window
 * opens and advances at `rate` per second (raised by the operator as replicas become
 * ready). Everyone behind the frontier gets 429 with Retry-After and their position;
 * everyone at or before it gets a short-lived admission token that lets them hold
 * stock. Tokens are HMAC-signed, so checking one on the hot path costs no I/O.
 */
const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  join: { file: 'join.lua', keys: 2 },
  status: { file: 'status.lua', keys: 1 },
  configure: { file: 'configure.lua', keys: 1 },
});

export const roomKey = (areaId: string) => `wr:{${areaId}}`;
const devicesKey = (areaId: string) => `wr:{${areaId}}:dev`;

/**
 * Opens or re-tunes an area's room (used by the admin API and by the operator, which
 * raises the rate as API replicas become ready). Returns the frontier after the change.
 */
export function configureWaitingRoom(
  redis: Redis,
  areaId: string,
  c: { opensAt: Date; ratePerSecond: number; burst: number },
  now: Date,
): Promise<number> {
  return scripts.run<number>(
    redis,
    'configure',
    [roomKey(areaId)],
    [now.getTime(), c.opensAt.getTime(), c.ratePerSecond, c.burst],
  );
}

export interface RoomState {
  position: number;
  admitted: boolean;
  frontier: number;
  /** buyers ahead of this one */
  ahead: number;
  retryAfterSeconds: number;
  queueToken: string;
  admissionToken: string | null;
  admissionExpiresAt: string | null;
}

export class WaitingRoom {
  private readonly key: Buffer;
  constructor(
    private readonly redis: Redis,
    secret: string,
    private readonly clock: Clock,
    private readonly admissionTtlMs = 120_000,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'scenic', 'waiting-room-v1', 32));
  }

  configure(areaId: string, c: { opensAt: Date; ratePerSecond: number; burst: number }): Promise<number> {
    return configureWaitingRoom(this.redis, areaId, c, this.clock.now());
  }

  async join(areaId: string, deviceHash: string): Promise<RoomState> {
    const [pos, front, rateMilli] = await scripts.run<[number, number, number, number]>(
      this.redis,
      'join',
      [roomKey(areaId), devicesKey(areaId)],
      [this.clock.now().getTime(), deviceHash],
    );
    if (front < 0)
      throw conflict('no_waiting_room', 'this area has no waiting room open; buy through /v1/orders');
    return this.state(areaId, pos, front, rateMilli / 1000);
  }

  async status(areaId: string, queueToken: string): Promise<RoomState> {
    const pos = this.verifyQueueToken(areaId, queueToken);
    const [front, rateMilli] = await scripts.run<[number, number, number, number]>(
      this.redis,
      'status',
      [roomKey(areaId)],
      [this.clock.now().getTime()],
    );
    if (front < 0) throw conflict('no_waiting_room', 'this area has no waiting room open');
    return this.state(areaId, pos, front, rateMilli / 1000);
  }

  /**
   * Checks an admission token with no I/O; returns the buyer's position. Tokens that
   * verified once are remembered until they expire, so a buyer retrying a hold costs a
   * map lookup, not an HMAC.
   */
  verifyAdmission(areaId: string, token: string | undefined): number {
    const now = this.clock.now().getTime();
    const known = token ? this.verified.get(token) : undefined;
    if (known && known.areaId === areaId && known.exp >= now) return known.pos;
    const m = token ? /^a1\.([a-z0-9:_-]+)\.(\d+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(token) : null;
    if (!m || m[1] !== areaId || !this.macOk(`a1|${m[1]}|${m[2]}|${m[3]}`, m[4]!))
      throw unauthenticated('admission_required', 'an admission token from the waiting room is required');
    const exp = Number(m[3]);
    if (exp < now)
      throw new DomainError(
        'authentication',
        'admission_expired',
        'the admission token has expired; ask the waiting room again',
      );
    if (this.verified.size >= 100_000) this.verified.clear();
    this.verified.set(token!, { areaId, pos: Number(m[2]), exp });
    return Number(m[2]);
  }

  private readonly verified = new Map<string, { areaId: string; pos: number; exp: number }>();

  private state(areaId: string, pos: number, front: number, rate: number): RoomState {
    const admitted = front >= pos;
    const ahead = Math.max(0, pos - front - 1);
    const exp = this.clock.now().getTime() + this.admissionTtlMs;
    return {
      position: pos,
      admitted,
      frontier: front,
      ahead,
      retryAfterSeconds: admitted
        ? 0
        : Math.min(60, Math.max(1, Math.ceil((pos - front) / Math.max(rate, 0.001)))),
      queueToken: this.sign(`q1|${areaId}|${pos}`, `q1.${areaId}.${pos}`),
      admissionToken: admitted ? this.sign(`a1|${areaId}|${pos}|${exp}`, `a1.${areaId}.${pos}.${exp}`) : null,
      admissionExpiresAt: admitted ? new Date(exp).toISOString() : null,
    };
  }

  private verifyQueueToken(areaId: string, token: string): number {
    const m = /^q1\.([a-z0-9:_-]+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!m || m[1] !== areaId || !this.macOk(`q1|${m[1]}|${m[2]}`, m[3]!))
      throw unauthenticated('bad_queue_token', 'queue token does not verify');
    return Number(m[2]);
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url').slice(0, 22);
  }

  private sign(data: string, prefix: string): string {
    return `${prefix}.${this.mac(data)}`;
  }

  private macOk(data: string, mac: string): boolean {
    const want = Buffer.from(this.mac(data));
    return want.length === mac.length && timingSafeEqual(want, Buffer.from(mac));
  }
}
