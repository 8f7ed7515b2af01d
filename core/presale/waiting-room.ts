import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import { conflict, unauthenticated } from '../errors.js';
import { luaScripts } from '../lua.js';

/**
 * The virtual waiting room of a presale. Buyers are numbered in order of arrival
 * (one number per device); an admission frontier starts at `burst` when the window
 * opens and advances at `rate` per second (raised by the operator as replicas become
 * ready). Everyone behind the frontier gets 429 with Retry-After and their position;
 * everyone at or before it gets a short-lived admission token that lets them hold
 * stock. Tokens are HMAC-signed, so checking one on the hot path costs no I/O.
 *
 * An admission ends (issue 17, item 7): queue tokens expire ({@link QUEUE_TOKEN_TTL_MS};
 * joining again with the same device gives the same place and a fresh one), tokens name
 * the device that joined (a hold must come from it), a position may hold at most the
 * room's `unitsPerAdmission` units over all its admissions — once they are used the
 * status mints no more — and from `closesAt` on the room admits nobody and holds nothing.
 */
const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  join: { file: 'join.lua', keys: 3 },
  status: { file: 'status.lua', keys: 2 },
  configure: { file: 'configure.lua', keys: 1 },
  admit: { file: 'admit.lua', keys: 2 },
});

export const roomKey = (areaId: string) => `wr:{${areaId}}`;
const devicesKey = (areaId: string) => `wr:{${areaId}}:dev`;
const usedKey = (areaId: string) => `wr:{${areaId}}:used`;

/** How long a queue token is good for; the device joins again for a new one (same place). */
export const QUEUE_TOKEN_TTL_MS = 60 * 60_000;
/** Units one admission may hold when the room's configuration does not say. */
export const DEFAULT_UNITS_PER_ADMISSION = 10;

export interface RoomConfig {
  opensAt: Date;
  /** from then on nobody joins, is admitted or holds (the SalesWindow's closesAt) */
  closesAt?: Date | null;
  ratePerSecond: number;
  burst: number;
  /** ticket units one position may hold over all its admissions */
  unitsPerAdmission?: number;
}

/**
 * Opens or re-tunes an area's room (used by the admin API and by the operator, which
 * raises the rate as API replicas become ready). Returns the frontier after the change.
 */
export function configureWaitingRoom(
  redis: Redis,
  areaId: string,
  c: RoomConfig,
  now: Date,
): Promise<number> {
  return scripts.run<number>(
    redis,
    'configure',
    [roomKey(areaId)],
    [
      now.getTime(),
      c.opensAt.getTime(),
      c.ratePerSecond,
      c.burst,
      c.closesAt?.getTime() ?? 0,
      c.unitsPerAdmission ?? DEFAULT_UNITS_PER_ADMISSION,
    ],
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
  queueTokenExpiresAt: string;
  admissionToken: string | null;
  admissionExpiresAt: string | null;
  /** ticket units this place may still hold */
  unitsLeft: number;
}

/** What a verified admission token says. */
export interface Admission {
  position: number;
  /** the first 16 characters of the keyed hash of the device that joined */
  device: string;
}

const deviceTag = (deviceHash: string) => deviceHash.slice(0, 16);
const TAG = '[A-Za-z0-9_-]{16}';
const QUEUE_TOKEN = new RegExp(`^q2\\.([a-z0-9:_-]+)\\.(\\d+)\\.(\\d+)\\.(${TAG})\\.([A-Za-z0-9_-]+)$`);
const ADMISSION_TOKEN = new RegExp(`^a2\\.([a-z0-9:_-]+)\\.(\\d+)\\.(\\d+)\\.(${TAG})\\.([A-Za-z0-9_-]+)$`);

export class WaitingRoom {
  private readonly key: Buffer;
  constructor(
    private readonly redis: Redis,
    secret: string,
    private readonly clock: Clock,
    private readonly admissionTtlMs = 120_000,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'scenic', 'waiting-room-v2', 32));
  }

  configure(areaId: string, c: RoomConfig): Promise<number> {
    return configureWaitingRoom(this.redis, areaId, c, this.clock.now());
  }

  /** A device arrives: its place in line (the same one again for the same device). */
  async join(areaId: string, deviceHash: string): Promise<RoomState> {
    const [pos, front, rateMilli, , left] = await scripts.run<[number, number, number, number, number]>(
      this.redis,
      'join',
      [roomKey(areaId), devicesKey(areaId), usedKey(areaId)],
      [this.clock.now().getTime(), deviceHash],
    );
    roomOpen(front);
    usedUp(pos, front, left);
    return this.state(areaId, pos, deviceTag(deviceHash), front, rateMilli / 1000, left);
  }

  /** Where a queue token's holder stands; admitted, a fresh admission token while units are left. */
  async status(areaId: string, queueToken: string): Promise<RoomState> {
    const { pos, device } = this.verifyQueueToken(areaId, queueToken);
    const [front, rateMilli, , , left] = await scripts.run<[number, number, number, number, number]>(
      this.redis,
      'status',
      [roomKey(areaId), usedKey(areaId)],
      [this.clock.now().getTime(), pos],
    );
    roomOpen(front);
    usedUp(pos, front, left);
    return this.state(areaId, pos, device, front, rateMilli / 1000, left);
  }

  /**
   * Checks an admission token with no I/O: its MAC, area, expiry and device. Tokens that
   * verified once are remembered until they expire, so a buyer retrying a hold costs a
   * map lookup, not an HMAC.
   */
  verifyAdmission(areaId: string, token: string | undefined, deviceHash: string | undefined): Admission {
    const now = this.clock.now().getTime();
    let known = token ? this.verified.get(token) : undefined;
    if (!known || known.areaId !== areaId) {
      const m = token ? ADMISSION_TOKEN.exec(token) : null;
      if (!m || m[1] !== areaId || !this.macOk(`a2|${m[1]}|${m[2]}|${m[3]}|${m[4]}`, m[5]!))
        throw unauthenticated('admission_required', 'an admission token from the waiting room is required');
      known = { areaId, position: Number(m[2]), exp: Number(m[3]), device: m[4]! };
      if (known.exp >= now) {
        if (this.verified.size >= 100_000) this.verified.clear();
        this.verified.set(token!, known);
      }
    }
    if (known.exp < now)
      throw unauthenticated(
        'admission_expired',
        'the admission token has expired; ask the waiting room again',
      );
    if (!deviceHash || deviceTag(deviceHash) !== known.device)
      throw unauthenticated(
        'admission_wrong_device',
        'this admission belongs to the device that joined (X-Device-Id)',
      );
    return { position: known.position, device: known.device };
  }

  /**
   * Takes `units` of what an admitted position may hold, while the room is open; throws
   * `admission_used` when not that many are left. One Redis round trip.
   */
  async takeUnits(areaId: string, position: number, units: number): Promise<void> {
    const left = await scripts.run<number>(
      this.redis,
      'admit',
      [roomKey(areaId), usedKey(areaId)],
      [this.clock.now().getTime(), position, units],
    );
    if (left === -1 || left === -2) roomOpen(left);
    if (left === -3)
      throw conflict('admission_used', 'this admission has held all the ticket units it may', { units });
  }

  /** Gives units back to a position after the stock refused them. */
  async returnUnits(areaId: string, position: number, units: number): Promise<void> {
    await scripts.run(this.redis, 'admit', [roomKey(areaId), usedKey(areaId)], [0, position, -units]);
  }

  private readonly verified = new Map<
    string,
    { areaId: string; position: number; exp: number; device: string }
  >();

  private state(
    areaId: string,
    pos: number,
    device: string,
    front: number,
    rate: number,
    left: number,
  ): RoomState {
    const admitted = front >= pos && left > 0;
    const now = this.clock.now().getTime();
    const exp = now + this.admissionTtlMs;
    const qexp = now + QUEUE_TOKEN_TTL_MS;
    return {
      position: pos,
      admitted,
      frontier: front,
      ahead: Math.max(0, pos - front - 1),
      retryAfterSeconds: admitted
        ? 0
        : Math.min(60, Math.max(1, Math.ceil((pos - front) / Math.max(rate, 0.001)))),
      queueToken: this.sign(`q2|${areaId}|${pos}|${qexp}|${device}`, `q2.${areaId}.${pos}.${qexp}.${device}`),
      queueTokenExpiresAt: new Date(qexp).toISOString(),
      admissionToken: admitted
        ? this.sign(`a2|${areaId}|${pos}|${exp}|${device}`, `a2.${areaId}.${pos}.${exp}.${device}`)
        : null,
      admissionExpiresAt: admitted ? new Date(exp).toISOString() : null,
      unitsLeft: Math.max(0, left),
    };
  }

  private verifyQueueToken(areaId: string, token: string): { pos: number; device: string } {
    const m = QUEUE_TOKEN.exec(token);
    if (!m || m[1] !== areaId || !this.macOk(`q2|${m[1]}|${m[2]}|${m[3]}|${m[4]}`, m[5]!))
      throw unauthenticated('bad_queue_token', 'queue token does not verify');
    if (Number(m[3]) < this.clock.now().getTime())
      throw unauthenticated(
        'queue_token_expired',
        'the queue token has expired; join again from the same device',
      );
    return { pos: Number(m[2]), device: m[4]! };
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

/** An admitted place that has held all its units gets no more admissions. */
function usedUp(pos: number, front: number, left: number): void {
  if (front >= pos && left <= 0)
    throw conflict('admission_used', 'this place in line has held all it may; the presale is over for it');
}

/** A frontier of -1 (no room) or -2 (closed) as the refusal it is. */
function roomOpen(front: number): void {
  if (front === -1)
    throw conflict('no_waiting_room', 'this area has no waiting room open; buy through /v1/orders');
  if (front === -2) throw conflict('waiting_room_closed', 'the presale of this area has closed');
}
