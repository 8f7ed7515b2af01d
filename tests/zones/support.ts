import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { declareArea } from '../../core/catalog/declare.js';
import type { TestPlatform } from '../support/platform.js';

/**
 * Declares zones on a seeded area the way the operator does (ADR 0010: core's
 * `declareArea`, the write operator/dataplane/sync.ts makes), with the area's own
 * capacity and thresholds repeated.
 */
export async function declareZones(
  api: TestPlatform,
  areaId: string,
  zoning: { zones: unknown[]; diversion?: unknown },
): Promise<void> {
  const area = (await api.platform.db('areas').where({ id: areaId }).first())!;
  const out = await declareArea(
    api.platform.db,
    {
      areaId,
      resource: {
        kind: 'ScenicArea',
        namespace: 'zones-test',
        name: areaId,
        uid: randomUUID(),
        generation: 1,
        redisPrefix: `zones-test:${areaId}:`,
      },
      fields: {
        timezone: area.timezone,
        dailyCapacity: area.daily_capacity,
        instantCapacity: area.instant_capacity,
        thresholds: area.thresholds,
        ...zoning,
      },
      isLive: () => true,
    },
    api.platform.clock,
  );
  expect(out.result, JSON.stringify(out)).not.toBe('refused');
}

/** A gate's journal upload of exits (direction out) for tickets that entered. */
export async function scanOut(
  api: TestPlatform,
  credential: string,
  ticketIds: string[],
  seq: { n: number },
): Promise<void> {
  const r = await api.call('POST', '/gate/v1/journal', {
    key: credential,
    body: {
      entries: ticketIds.map((ticketId) => ({
        scanId: randomUUID(),
        seq: ++seq.n,
        at: new Date().toISOString(),
        media: 'qr',
        direction: 'out',
        ticketId,
        decision: 'admit',
        reason: 'ok',
        mode: 'online',
      })),
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}
