import {
  ChangesPage,
  HealthReport,
  JournalBatch,
  JournalResult,
  KeysResponse,
  ManifestPage,
  PrecheckRequest,
  IdLookupRequest,
  IdLookupResult,
  PrecheckResult,
  Presence,
  RulesResponse,
} from '../core/checkin/protocol.js';
import { answer, body, errors, inQuery, isoDate, schema } from './openapi-kit.js';

/**
 * The gate agents' sync API (api/gate-router.ts), from the zod schemas of the wire
 * protocol both sides parse (core/checkin/protocol.ts). The device credential fixes the
 * area and entrance, so no route takes them.
 */
const gate = [{ gateCredential: [] }, { gateBearer: [] }];
const out = (s: Parameters<typeof schema>[0]) => schema(s, 'output');
const day = inQuery('date', isoDate, "the area's local date (default: today there)");
const limit = (max: number, dflt: number) =>
  inQuery('limit', { type: 'integer', minimum: 1, maximum: max, default: dflt });

export function gatePaths(): Record<string, unknown> {
  return {
    '/gate/v1/keys': {
      get: {
        operationId: 'gateKeys',
        summary: 'Public keys that verify ticket QR codes (Ed25519), by key id',
        security: gate,
        responses: { '200': answer('keys', out(KeysResponse)), ...errors },
      },
    },
    '/gate/v1/rules': {
      get: {
        operationId: 'gateRules',
        summary: "The entrance's rules (products, slots with grace, capacity) and the in-park count",
        security: gate,
        responses: { '200': answer('rules', out(RulesResponse)), ...errors },
      },
    },
    '/gate/v1/manifest': {
      get: {
        operationId: 'gateManifest',
        summary: "The day's tickets for this entrance, a page at a time (ID numbers as keyed hashes)",
        security: gate,
        parameters: [
          day,
          inQuery('after', { type: 'string', format: 'uuid' }, 'last ticket id of the previous page'),
          limit(10_000, 5_000),
        ],
        responses: { '200': answer('page', out(ManifestPage)), ...errors },
      },
    },
    '/gate/v1/changes': {
      get: {
        operationId: 'gateChanges',
        summary: 'Tickets changed since a cursor (issued, refunded, used elsewhere), and the presence',
        security: gate,
        parameters: [
          day,
          inQuery('cursor', { type: 'integer', minimum: 0, default: 0 }),
          limit(10_000, 2_000),
        ],
        responses: { '200': answer('page', out(ChangesPage)), ...errors },
      },
    },
    '/gate/v1/presence': {
      get: {
        operationId: 'gatePresence',
        summary: 'People in the park now against the instantaneous capacity',
        security: gate,
        responses: { '200': answer('presence', out(Presence)), ...errors },
      },
    },
    '/gate/v1/journal': {
      post: {
        operationId: 'gateJournal',
        summary: "Upload the agent's journal of decisions (idempotent by scan id)",
        security: gate,
        requestBody: body(schema(JournalBatch)),
        responses: { '200': answer('ingested', out(JournalResult)), ...errors },
      },
    },
    '/gate/v1/precheck': {
      post: {
        operationId: 'gatePrecheck',
        summary: 'Ask the centre first while online (the agent waits 150 ms, then decides itself)',
        security: gate,
        requestBody: body(schema(PrecheckRequest)),
        responses: { '200': answer('decision', out(PrecheckResult)), ...errors },
      },
    },
    '/gate/v1/id-lookup': {
      post: {
        operationId: 'gateIdLookup',
        summary:
          "A handheld's ID card, looked up online (17.5): today's tickets of its area the number holds; rate-limited per device; handhelds only",
        security: gate,
        requestBody: body(schema(IdLookupRequest)),
        responses: { '200': answer('ticket ids (no hashes)', out(IdLookupResult)), ...errors },
      },
    },
    '/gate/v1/health': {
      post: {
        operationId: 'gateHealth',
        summary: "Report the agent's health (journal backlog, last sync, offline since…)",
        security: gate,
        requestBody: body(schema(HealthReport)),
        responses: { '204': { description: 'recorded' }, ...errors },
      },
    },
  };
}
