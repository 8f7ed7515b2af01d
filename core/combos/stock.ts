import type { Redis } from '../redis/client.js';
import { replicationOf } from '../redis/client.js';
import { luaScripts } from '../lua.js';

/**
 * Seats of combo components in Redis, beside the area's entry stock. Every key carries the
 * area's hash tag `{areaId}` like core/inventory/keys.ts, so a script that takes seats on
 * several components of one area-day touches one cluster slot and runs on Redis Cluster.
 * Capacities are the catalog's (Postgres), passed on each call: only what is taken lives here.
 */
export const comboKeys = (areaId: string, date: string) => ({
  /** 'componentId|sessionId' → seats taken (hash) */
  used: `cmb:{${areaId}}:${date}`,
  /** resId → JSON { t: taken at ms, s: { field: seats } } held by that reservation (hash) */
  res: `cmbres:{${areaId}}:${date}`,
});

const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  reserve: { file: 'reserve-components.lua', keys: 2 },
  release: { file: 'release-components.lua', keys: 2 },
});

export const seatField = (componentId: string, sessionId: string) => `${componentId}|${sessionId}`;

/** Seats one reservation asks for on one component's session. */
export interface SeatRequest {
  componentId: string;
  sessionId: string;
  seats: number;
  capacity: number;
}

export type SeatResult = { ok: true; duplicate: boolean } | { ok: false; refused: SeatRequest };

/** Takes every request's seats or none (lua/reserve-components.lua), and waits for the replicas like the entry stock. */
export async function reserveSeats(
  redis: Redis,
  areaId: string,
  date: string,
  resId: string,
  wants: readonly SeatRequest[],
  nowMs: number,
): Promise<SeatResult> {
  if (!wants.length) return { ok: true, duplicate: false };
  const k = comboKeys(areaId, date);
  const args = wants.flatMap((w) => [seatField(w.componentId, w.sessionId), w.seats, w.capacity]);
  const [code, index] = await scripts.run<[number, number]>(
    redis,
    'reserve',
    [k.used, k.res],
    [resId, nowMs, ...args],
    replicationOf(redis),
  );
  if (code === 1 || code === 0) return { ok: true, duplicate: code === 0 };
  if (code === -3) return { ok: false, refused: wants[index - 1]! };
  throw new Error(`reserve-components: bad arguments (${code})`);
}

/** Gives back all the reservation's seats, or the listed ones; answers how many came back. */
export async function releaseSeats(
  redis: Redis,
  areaId: string,
  date: string,
  resId: string,
  part: 'all' | readonly Pick<SeatRequest, 'componentId' | 'sessionId' | 'seats'>[],
): Promise<number> {
  const k = comboKeys(areaId, date);
  const args =
    part === 'all'
      ? ['all']
      : ['part', ...part.flatMap((p) => [seatField(p.componentId, p.sessionId), p.seats])];
  return scripts.run<number>(redis, 'release', [k.used, k.res], [resId, ...args], replicationOf(redis));
}

/** Seats taken per 'componentId|sessionId' that day. */
export async function seatsTaken(redis: Redis, areaId: string, date: string): Promise<Map<string, number>> {
  const raw = await redis.hgetall(comboKeys(areaId, date).used);
  return new Map(Object.entries(raw).map(([f, v]) => [f, Number(v)]));
}

/** Every reservation of the area-day with its seats and when it took them. */
export async function seatReservations(
  redis: Redis,
  areaId: string,
  date: string,
): Promise<Map<string, { takenAt: number; seats: Record<string, number> }>> {
  const raw = await redis.hgetall(comboKeys(areaId, date).res);
  const out = new Map<string, { takenAt: number; seats: Record<string, number> }>();
  for (const [resId, v] of Object.entries(raw)) {
    const r = JSON.parse(v) as { t: number; s: Record<string, number> };
    out.set(resId, { takenAt: r.t, seats: r.s });
  }
  return out;
}
