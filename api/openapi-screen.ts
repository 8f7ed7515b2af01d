import { z } from 'zod';
import { LEVELS } from '../core/inventory/events.js';
import type { ScreenSnapshot } from '../core/screen/model.js';
import { answer, areaId, errors, ref, schema } from './openapi-kit.js';

/**
 * The crowd screen's data (api/screen.ts). Open on a trusted network (no credential),
 * else with a screen token; the snapshot schema is tied to core/screen's type.
 */
const level = z.enum(LEVELS);
const count = z.number().int();
const instant = z.string().describe('ISO 8601 date-time');

export const ScreenSnapshotSchema = z.object({
  areaId: z.string(),
  areaName: z.string(),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe("the area's local date"),
  at: instant,
  inPark: count,
  instantCapacity: count,
  occupancyPct: count,
  occupancyLevel: level,
  entriesToday: count,
  exitsToday: count,
  flowMinutes: count,
  entrances: z.array(
    z.object({
      entranceId: z.string(),
      minutes: z
        .array(z.object({ minute: instant, entries: count, exits: count }))
        .describe('the last flowMinutes minutes, oldest first'),
      entriesToday: count,
      exitsToday: count,
    }),
  ),
  day: z.object({
    date: z.string(),
    initialised: z.boolean(),
    used: count,
    capacity: count,
    level,
    slots: z.array(z.object({ slotId: z.string(), used: count, capacity: count, level })),
  }),
  sales: z.array(z.object({ channelId: z.string(), tickets: count })),
  alerts: z
    .array(
      z.object({
        id: z.string().describe("Alertmanager's fingerprint @ startsAt"),
        name: z.string().describe('the alert rule (alertname)'),
        severity: z.enum(['info', 'warning', 'critical']),
        summary: z.string(),
        summaryZh: z.string().nullable(),
        since: instant,
      }),
    )
    .describe(
      'alerts firing now for the area or the platform (recorded by the alert relay), most severe first; resolved ones are gone',
    ),
  zones: z
    .array(
      z.object({
        zoneId: z.string(),
        name: z.object({ zh: z.string(), en: z.string() }),
        inZone: count,
        capacity: count.describe("the zone's instantaneous capacity"),
        pct: count,
        level,
      }),
    )
    .describe('zone heat, in declared order; empty when the area declares no zones'),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T | undefined => undefined;
same<Same<z.output<typeof ScreenSnapshotSchema>, ScreenSnapshot>>();

export const screenSchemas = () => ({ ScreenSnapshot: schema(ScreenSnapshotSchema, 'output') });

export const screenSecuritySchemes = {
  screenToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A read-only screen token `scr_…` (`scenic screen-token`); not needed from SCENIC_SCREEN_TRUSTED_NETWORKS.',
  },
};

const security = [{}, { screenToken: [] }];

export function screenPaths(): Record<string, unknown> {
  return {
    '/screen/v1/areas/{areaId}': {
      get: {
        operationId: 'screenSnapshot',
        summary: 'What the crowd screen shows for an area today',
        security,
        parameters: [areaId],
        responses: { '200': answer('snapshot', ref('ScreenSnapshot')), ...errors },
      },
    },
    '/screen/v1/areas/{areaId}/events': {
      get: {
        operationId: 'screenEvents',
        summary: 'Server-sent events: a `snapshot` event at once and after every change',
        description:
          'Each `snapshot` event carries a ScreenSnapshot as its JSON data; a `problem` event carries `{code}` ' +
          'when a read failed. The area is read every 500 ms while a screen is connected.',
        security,
        parameters: [areaId],
        responses: {
          '200': {
            description: 'event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
  };
}
