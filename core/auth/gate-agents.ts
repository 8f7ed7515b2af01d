import type { Knex } from 'knex';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { conflict, notFound } from '../errors.js';
import { audit } from '../audit/store.js';
import type { Actor } from '../orders/model.js';
import {
  listGateHealth,
  registerGateDevice,
  revokeGateDevice,
  type GateHealthRow,
} from '../checkin/devices.js';

/**
 * Gate agents' credentials (`sgd1.<gateId>.<secret>`, core/checkin/devices.ts) as device
 * keys of the console: each bound to one area and entrance, shown once, stored hashed,
 * revoked at once. Registering is scoped like every device key: a gate id of another
 * area is refused, never moved (re-registering one's own gate re-keys it).
 */
export const GateAgentInput = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  entranceId: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/),
  kind: z.enum(['turnstile', 'handheld']).default('turnstile'),
});
export type GateAgentInput = z.output<typeof GateAgentInput>;

async function gateArea(db: Knex, id: string): Promise<string | undefined> {
  return (await db('gate_devices').where({ id }).first('area_id'))?.area_id;
}

export async function registerGateAgent(
  db: Knex,
  clock: Clock,
  actor: Actor,
  areaId: string,
  input: GateAgentInput,
): Promise<{ gate: { id: string; areaId: string; entranceId: string; kind: string }; credential: string }> {
  const existing = await gateArea(db, input.id);
  if (existing !== undefined && existing !== areaId)
    throw conflict('gate_id_taken', `gate ${input.id} belongs to another area`);
  const { device, credential } = await registerGateDevice(db, { ...input, areaId }, clock);
  await audit(
    db,
    actor,
    existing ? 'scenic.gate_agent.rekeyed' : 'scenic.gate_agent.registered',
    `gate:${input.id}`,
    { entranceId: input.entranceId, kind: input.kind },
    { areaId, before: existing ? { id: input.id, areaId } : null, after: device },
  );
  return { gate: device, credential };
}

export async function revokeGateAgent(
  db: Knex,
  clock: Clock,
  actor: Actor,
  areaId: string,
  gateId: string,
): Promise<void> {
  if ((await gateArea(db, gateId)) !== areaId)
    throw notFound('gate_not_found', `no gate ${gateId} in ${areaId}`);
  await revokeGateDevice(db, gateId, clock);
  await audit(db, actor, 'scenic.gate_agent.revoked', `gate:${gateId}`, {}, { areaId });
}

export const listGateAgents = (db: Knex, areaId: string): Promise<GateHealthRow[]> =>
  listGateHealth(db, areaId);
