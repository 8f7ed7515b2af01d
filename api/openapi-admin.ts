import { WaitingRoomInput } from '../core/presale/inputs.js';
import { z } from 'zod';
import { AreaDefinition, ChannelDefinition, ProductDefinition } from '../core/catalog/definition.js';
import {
  answer,
  areaId,
  body,
  csv,
  errors,
  inPath,
  inQuery,
  isoDate,
  schema,
  slugId,
  staff,
} from './openapi-kit.js';

/**
 * The admin paths of api/routes/admin.ts, the waiting room's configuration
 * (api/presale.ts) and the daily reports (api/reports.ts). All need an admin key.
 */
const page = (items: unknown) => ({
  type: 'object',
  required: ['items', 'next'],
  properties: { items: { type: 'array', items }, next: { type: ['integer', 'null'] } },
});

export function adminPaths(): Record<string, unknown> {
  return {
    '/v1/admin/areas/{areaId}': {
      put: {
        operationId: 'putArea',
        summary:
          'Create or replace an area catalog (the path names the area). Fields a ScenicArea declares ' +
          '(`declared.fields` of the GET) may be left out or repeated; a different value answers 409 ' +
          '`field_declared_by_resource` naming each field and the resource',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(AreaDefinition)),
        responses: { '200': answer('stored', { type: 'object' }), ...errors },
      },
      get: {
        operationId: 'getAdminArea',
        summary:
          "An area's configuration and `declared`: the ScenicArea (namespace/name) that owns which fields, " +
          'to show them read-only (null when nothing is declared)',
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the area', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/binding': {
      delete: {
        operationId: 'releaseAreaBinding',
        summary:
          "Release an area id's binding to a Kubernetes namespace, so a ScenicArea elsewhere may claim it (audited)",
        security: staff,
        parameters: [areaId],
        responses: { '204': { description: 'released' }, ...errors },
      },
    },
    '/v1/admin/channels': {
      put: {
        operationId: 'putChannels',
        summary: 'Create or update sales channels',
        security: staff,
        requestBody: body(schema(z.array(ChannelDefinition).min(1).max(200))),
        responses: { '200': answer('stored', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/channels/{channelId}/{action}': {
      post: {
        operationId: 'switchAreaChannel',
        summary: "Pause or resume a channel's sales in one area by hand (audited, published)",
        security: staff,
        parameters: [
          areaId,
          inPath('channelId', slugId),
          inPath('action', { type: 'string', enum: ['pause', 'resume'] }),
        ],
        requestBody: body(schema(z.object({ reason: z.string().min(1).max(200) }))),
        responses: { '200': answer('switched', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/products': {
      get: {
        operationId: 'listAdminProducts',
        summary: "An area's products, active first then retired (kept for the orders that name them)",
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the products', { type: 'object' }), ...errors },
      },
      post: {
        operationId: 'addProduct',
        summary:
          'Add one product to an area (audited); an id the area already has answers 409 `product_exists`',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(ProductDefinition)),
        responses: { '201': answer('the product', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/products/{productId}/retire': {
      post: {
        operationId: 'retireProduct',
        summary: 'Stop selling a product (audited, idempotent); its orders and tickets keep naming it',
        security: staff,
        parameters: [areaId, inPath('productId', slugId)],
        responses: { '200': answer('the product', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/flags': {
      get: {
        operationId: 'listEntryFlags',
        summary: 'Double entries the gates flagged in an area (optionally of one status)',
        security: staff,
        parameters: [
          areaId,
          inQuery(
            'status',
            { type: 'string', enum: ['open', 'cleared', 'resolved'] },
            'only flags in this state',
          ),
        ],
        responses: { '200': answer('the flags', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/flags/{flagId}/resolve': {
      post: {
        operationId: 'resolveEntryFlag',
        summary: 'Resolve a flag after looking into it, with a note (audited with before and after)',
        security: staff,
        parameters: [areaId, inPath('flagId', { type: 'integer', minimum: 1 })],
        requestBody: body(schema(z.object({ note: z.string().min(3).max(500) }))),
        responses: { '200': answer('the flag', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/days/{date}': {
      get: {
        operationId: 'getDayStock',
        summary: "An area-day's live stock counters in Redis (capacity, level, per slot and channel)",
        security: staff,
        parameters: [areaId, inPath('date', isoDate)],
        responses: { '200': answer('snapshot', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/waiting-room': {
      put: {
        operationId: 'configureWaitingRoom',
        summary: "Open (or re-time) an area's presale waiting room (audited)",
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(WaitingRoomInput)),
        responses: { '200': answer('configured, with the current frontier', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/audit': {
      get: {
        operationId: 'listAudit',
        summary: 'Audit trail, newest first',
        security: staff,
        parameters: [
          inQuery(
            'subject',
            { type: 'string', maxLength: 200 },
            'only entries about this subject (an order id, `area/channel`…)',
          ),
          inQuery('limit', { type: 'integer', minimum: 1, maximum: 500, default: 100 }),
          inQuery('before', { type: 'integer' }, 'the `next` of the previous page'),
        ],
        responses: { '200': answer('page', page({ type: 'object' })), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/audit': {
      get: {
        operationId: 'listAreaAudit',
        summary: "An area's audit trail (who, when, what, before and after), newest first",
        security: staff,
        parameters: [
          areaId,
          inQuery('subject', { type: 'string', maxLength: 200 }, 'only entries about this subject'),
          inQuery('limit', { type: 'integer', minimum: 1, maximum: 500, default: 100 }),
          inQuery('before', { type: 'integer' }, 'the `next` of the previous page'),
        ],
        responses: { '200': answer('page', page({ type: 'object' })), ...errors },
      },
    },
    '/v1/admin/inventory/reconcile': {
      post: {
        operationId: 'reconcileInventory',
        summary: 'Reconcile Redis stock with Postgres now and report drift',
        security: staff,
        responses: { '200': answer('reports', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/reports/{areaId}/{file}': {
      get: {
        operationId: 'getDailyReport',
        summary:
          'The daily report of an area: `{YYYY-MM-DD}.json` or `.csv` (long form: section,key,subkey,metric,value)',
        description:
          'A past day is served as stored by the worker; today is computed live. Counts and sums only, no personal data.',
        security: staff,
        parameters: [
          areaId,
          inPath(
            'file',
            { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}\\.(json|csv)$' },
            'date and format',
          ),
          inQuery('refresh', { type: 'string', enum: ['true'] }, 'recompute (and store) a past day'),
        ],
        responses: { '200': csv('the report'), ...errors },
      },
    },
  };
}
