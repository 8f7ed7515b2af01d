import { z } from 'zod';
import { RefundInput } from '../core/orders/inputs.js';
import { ExtendHoldInput, PartnerOrderInput } from '../core/channels/partner-orders.js';
import { PartnerInput } from '../core/channels/partners.js';
import { AvailabilityRequest, BookingRequest, BookingUpdateRequest } from '../core/channels/octo.js';
import { GroupSaleInput, WalkUpInput } from '../core/channels/box-office.js';
import { EmergencySaleInput, OpenEmergencyInput } from '../core/channels/emergency.js';

/**
 * The sales-channel part of the OpenAPI document: the partner signature scheme, the
 * signed partner API, OCTO, box office and partner admin paths, from the same zod
 * schemas that validate them. Merged into api/openapi.ts.
 */
const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
const problem = { $ref: '#/components/responses/Problem' };
const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
const errors = {
  '400': problem,
  '401': problem,
  '403': problem,
  '404': problem,
  '409': problem,
  '422': problem,
};
const signed = [{ partnerSignature: [] }];
const octoAuth = [{ partnerSignature: [] }, { octoBearer: [] }];
const staff = [{ bearer: [] }];
const path = (name: string, schemaType: Record<string, unknown> = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  schema: schemaType,
});
const date = { name: 'date', in: 'query', required: true, schema: { type: 'string', format: 'date' } };
const idem = { $ref: '#/components/parameters/IdempotencyKey' };
const ref = path('ref');

export const partnerSecuritySchemes = {
  partnerSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Scenic-Signature',
    description: [
      'SCENIC-HMAC-SHA256 request signing (partners; also on the webhooks Scenic sends them). Headers: `X-Scenic-Key` (key id `pk_…`),',
      '`X-Scenic-Timestamp` (Unix seconds, within ±300 s of server time), `X-Scenic-Nonce` (16-64 chars of [A-Za-z0-9_-], never reused within 10 minutes),',
      '`X-Scenic-Content-SHA256` (hex SHA-256 of the body, recommended) and `X-Scenic-Signature: v1=<base64url HMAC-SHA256(secret, stringToSign)>` where',
      'stringToSign = "SCENIC-HMAC-SHA256\\n" + METHOD + "\\n" + path + "\\n" + canonicalQuery + "\\n" + timestamp + "\\n" + nonce + "\\n" + hex(SHA-256(body)),',
      'canonicalQuery = parameters sorted by name then value, RFC 3986-encoded, `name=value` joined by `&`. Refusals: 401 with code',
      'signature_missing | signature_malformed | unknown_key | timestamp_skew | body_digest_mismatch | signature_invalid | nonce_reused.',
      'A reference client: clients/partner-client.ts.',
    ].join(' '),
  },
  octoBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'OCTO clients that cannot sign: `Bearer <keyId>.<secret>` of a partner key (TLS only).',
  },
};

export function partnerPaths(): Record<string, unknown> {
  return {
    '/partner/v1/areas/{areaId}/products': {
      get: {
        summary: "Products with this partner's prices per time slot",
        security: signed,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'offer' }, ...errors },
      },
    },
    '/partner/v1/areas/{areaId}/availability': {
      get: {
        summary: 'What this partner can still sell, per slot',
        security: signed,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'availability' }, ...errors },
      },
    },
    '/partner/v1/orders': {
      post: {
        summary: "Hold tickets; idempotent on the partner's order id",
        security: signed,
        requestBody: { required: true, ...json(schema(PartnerOrderInput)) },
        responses: { '201': { description: 'held order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}': {
      get: {
        summary: 'An order by partner order id (or Scenic id)',
        security: signed,
        parameters: [ref],
        responses: { '200': { description: 'order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/confirm': {
      post: {
        summary: 'Confirm: pay on account, issue tickets (idempotent)',
        security: signed,
        parameters: [ref],
        responses: { '200': { description: 'issued order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/extend': {
      post: {
        summary:
          'Keep an unpaid hold for expirationMinutes (1–60) more from now; a hold ends at the latest 2 h after it was placed',
        security: signed,
        parameters: [ref],
        requestBody: { required: false, ...json(schema(ExtendHoldInput)) },
        responses: { '200': { description: 'held order with its new expiresAt' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/cancel': {
      post: {
        summary: 'Give up an unpaid hold (idempotent)',
        security: signed,
        parameters: [ref],
        responses: { '200': { description: 'cancelled order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/refunds': {
      post: {
        summary: 'Refund unused tickets with a reason',
        security: signed,
        parameters: [ref, idem],
        requestBody: { required: true, ...json(schema(RefundInput)) },
        responses: { '201': { description: 'refund' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/tickets': {
      get: {
        summary: 'Ticket codes (QR payloads) to show the visitor',
        security: signed,
        parameters: [ref],
        responses: { '200': { description: 'tickets' }, ...errors },
      },
    },
    '/partner/v1/tickets/{ticketId}': {
      get: {
        summary: 'Redemption status of a ticket',
        security: signed,
        parameters: [path('ticketId', { type: 'string', format: 'uuid' })],
        responses: { '200': { description: 'status' }, ...errors },
      },
    },
    '/partner/v1/settlements/{date}': {
      get: {
        summary: "This partner's daily statement; `{date}.csv` or Accept: text/csv for CSV",
        security: signed,
        parameters: [path('date')],
        responses: { '200': { description: 'statement (JSON or CSV)' }, ...errors },
      },
    },
    '/octo/supplier': {
      get: {
        summary: 'OCTO supplier',
        security: octoAuth,
        responses: { '200': { description: 'supplier' } },
      },
    },
    '/octo/products': {
      get: {
        summary: 'OCTO products (one per scenic area)',
        security: octoAuth,
        responses: { '200': { description: 'products' } },
      },
    },
    '/octo/products/{productId}': {
      get: {
        summary: 'One OCTO product',
        security: octoAuth,
        parameters: [path('productId')],
        responses: { '200': { description: 'product' } },
      },
    },
    '/octo/availability': {
      post: {
        summary: 'OCTO availability (START_TIME slots)',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(AvailabilityRequest)) },
        responses: { '200': { description: 'availabilities' } },
      },
    },
    '/octo/availability/calendar': {
      post: {
        summary: 'OCTO availability calendar',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(AvailabilityRequest)) },
        responses: { '200': { description: 'days' } },
      },
    },
    '/octo/bookings': {
      post: {
        summary: 'OCTO reserve (ON_HOLD); unit items carry identityDocument (real name)',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(BookingRequest)) },
        responses: { '200': { description: 'booking' } },
      },
      get: {
        summary:
          "OCTO booking list: this reseller's bookings, newest first, at most 100; at least one filter; dates are visit dates, a range of at most 31 days",
        security: octoAuth,
        parameters: [
          'productId',
          'optionId',
          'supplierReference',
          'localDate',
          'localDateStart',
          'localDateEnd',
        ].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
        responses: {
          '200': { description: 'bookings' },
          '400': {
            description:
              'BAD_REQUEST: no filter, an unknown one, resellerReference (not stored) or a bad range',
          },
        },
      },
    },
    '/octo/bookings/{uuid}': {
      get: {
        summary: 'OCTO booking',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' } },
      },
      patch: {
        summary:
          'OCTO booking update: move a CONFIRMED booking to another availabilityId (a reschedule, by the product rules; new ticket codes). Other fields are refused.',
        security: octoAuth,
        parameters: [path('uuid')],
        requestBody: { required: true, ...json(schema(BookingUpdateRequest)) },
        responses: { '200': { description: 'booking' } },
      },
      delete: {
        summary: 'OCTO cancel (hold cancelled or tickets refunded)',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' } },
      },
    },
    '/octo/bookings/{uuid}/confirm': {
      post: {
        summary: 'OCTO confirm (CONFIRMED, pay on account)',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' } },
      },
    },
    '/octo/bookings/{uuid}/extend': {
      post: {
        summary:
          'OCTO extend an ON_HOLD booking (expirationMinutes 1–60 from now; at most 2 h after the reserve)',
        security: octoAuth,
        parameters: [path('uuid')],
        requestBody: { required: false, ...json(schema(ExtendHoldInput)) },
        responses: { '200': { description: 'booking' } },
      },
    },
    '/octo/bookings/{uuid}/cancel': {
      post: {
        summary: 'OCTO cancel',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' } },
      },
    },
    '/v1/box-office/sales': {
      post: {
        summary: 'Walk-up sale (cash, card recorded as paid, QR via the gateway)',
        security: staff,
        parameters: [idem],
        requestBody: { required: true, ...json(schema(WalkUpInput)) },
        responses: { '201': { description: 'sale' }, ...errors },
      },
    },
    '/v1/box-office/group-sales': {
      post: {
        summary: 'Group sale with its visitor list',
        security: staff,
        parameters: [idem],
        requestBody: { required: true, ...json(schema(GroupSaleInput)) },
        responses: { '201': { description: 'sale' }, ...errors },
      },
    },
    '/v1/box-office/orders/{id}/reprint': {
      post: {
        summary: 'Reprint ticket codes (audited)',
        security: staff,
        parameters: [path('id')],
        responses: { '200': { description: 'order' }, ...errors },
      },
    },
    '/v1/box-office/orders/{id}/refunds': {
      post: {
        summary: 'Refund at the window with a reason',
        security: staff,
        parameters: [path('id'), idem],
        requestBody: { required: true, ...json(schema(RefundInput)) },
        responses: { '201': { description: 'refund' }, ...errors },
      },
    },
    '/v1/box-office/emergency': {
      post: {
        summary: 'Open emergency manual mode (supervisor)',
        security: staff,
        requestBody: { required: true, ...json(schema(OpenEmergencyInput)) },
        responses: { '201': { description: 'session' }, ...errors },
      },
    },
    '/v1/box-office/emergency/{id}/sales': {
      post: {
        summary: 'Sell in an emergency session (cash/card)',
        security: staff,
        parameters: [path('id'), idem],
        requestBody: { required: true, ...json(schema(EmergencySaleInput)) },
        responses: { '201': { description: 'sale' }, ...errors },
      },
    },
    '/v1/box-office/emergency/{id}/close': {
      post: {
        summary: 'Close an emergency session (supervisor)',
        security: staff,
        parameters: [path('id')],
        responses: { '200': { description: 'session' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}': {
      put: {
        summary: 'Create or update a partner and its channel',
        security: staff,
        parameters: [path('id')],
        requestBody: { required: true, ...json(schema(PartnerInput.omit({ id: true }))) },
        responses: { '200': { description: 'partner' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}/keys': {
      post: {
        summary: 'Issue a key; with overlapSeconds, rotate (old keys work until the overlap ends)',
        security: staff,
        parameters: [path('id')],
        responses: { '201': { description: 'key id and secret (shown once)' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}/settlements/{date}': {
      get: {
        summary: "A partner's daily statement (`.csv` for CSV)",
        security: staff,
        parameters: [path('id'), path('date')],
        responses: { '200': { description: 'statement' }, ...errors },
      },
    },
    '/v1/admin/webhooks/deliveries': {
      get: {
        summary: 'Webhook deliveries (filter by partnerId, status pending|delivered|dead)',
        security: staff,
        responses: { '200': { description: 'deliveries' }, ...errors },
      },
    },
    '/v1/admin/webhooks/deliveries/{id}/replay': {
      post: {
        summary: 'Replay a dead or delivered webhook (audited)',
        security: staff,
        parameters: [path('id')],
        responses: { '202': { description: 'queued' }, ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/channel-states': {
      get: {
        summary: 'Every channel: selling or what blocks it (switch, pause, hours, level, quota)',
        security: staff,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'states' }, ...errors },
      },
    },
    '/v1/admin/channels/{channelId}/{action}': {
      post: {
        summary: 'Enable or disable a channel everywhere (audited, published)',
        security: staff,
        parameters: [path('channelId'), path('action', { type: 'string', enum: ['enable', 'disable'] })],
        responses: { '200': { description: 'switched' }, ...errors },
      },
    },
  };
}
