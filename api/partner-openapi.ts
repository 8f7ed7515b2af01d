import { RefundInput } from '../core/orders/inputs.js';
import { ExtendHoldInput, PartnerOrderInput } from '../core/channels/partner-orders.js';
import { PartnerInput } from '../core/channels/partners.js';
import { AvailabilityRequest, BookingRequest, BookingUpdateRequest } from '../core/channels/octo.js';
import { GroupSaleInput, WalkUpInput } from '../core/channels/box-office.js';
import { EmergencySaleInput, OpenEmergencyInput } from '../core/channels/emergency.js';
import { answer, errors as kitErrors, idem, json, octoErrors, ref, schema } from './openapi-kit.js';

const { '429': _tooMany, ...errors } = kitErrors;

/**
 * The sales-channel part of the OpenAPI document: the partner signature scheme, the
 * signed partner API, OCTO, box office and partner admin paths, from the same zod
 * schemas that validate them. Merged into api/openapi.ts.
 */
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
const orderRef = path('ref');

export const partnerSecuritySchemes = {
  partnerSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Scenic-Signature',
    description: [
      'SCENIC-HMAC-SHA256 request signing (partners; also on the webhooks Scenic sends them). Headers: `X-Scenic-Key` (key id `pk_…`),',
      '`X-Scenic-Timestamp` (Unix seconds, within ±300 s of server time), `X-Scenic-Nonce` (16-64 chars of [A-Za-z0-9_-], never reused within 10 minutes),',
      '`X-Scenic-Content-SHA256` (hex SHA-256 of the body, recommended) and `X-Scenic-Signature: v1=<base64url HMAC-SHA256(secret, stringToSign)>`',
      '(base64url: the URL-safe alphabet `-` `_`, without `=` padding, RFC 4648 §5: 43 characters) where',
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

/**
 * The signed doors take JSON bodies only (api/partner-auth.ts): every operation there with a
 * request body also answers 415 (17.19), in OCTO's error shape under `/octo`.
 */
function withUnsupportedMediaType(paths: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [p, item] of Object.entries(paths)) {
    const signedDoor = p.startsWith('/partner/v1/') || p.startsWith('/octo/');
    if (!signedDoor || typeof item !== 'object' || item === null) {
      out[p] = item;
      continue;
    }
    const ops: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const refused = p.startsWith('/octo/') ? octoErrors['400'] : errors['400'];
      ops[method] =
        op.requestBody === undefined
          ? op
          : { ...op, responses: { ...(op.responses as Record<string, unknown>), '415': refused } };
    }
    out[p] = ops;
  }
  return out;
}

export function partnerPaths(): Record<string, unknown> {
  return withUnsupportedMediaType(signedPaths());
}

function signedPaths(): Record<string, unknown> {
  return {
    '/partner/v1/areas/{areaId}/products': {
      get: {
        operationId: 'partnerProducts',
        summary: "Products with this partner's prices per time slot",
        description:
          'A partner that sells to members also sees `memberUnitPrice`, what an order naming a member (`memberRef`) pays.',
        security: signed,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'offer' }, ...errors },
      },
    },
    '/partner/v1/areas/{areaId}/availability': {
      get: {
        operationId: 'partnerAvailability',
        summary: 'What this partner can still sell, per slot',
        security: signed,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'availability' }, ...errors },
      },
    },
    '/partner/v1/areas/{areaId}/combo-availability': {
      get: {
        operationId: 'partnerComboAvailability',
        summary: "A combo's components (bus, show, meal): each departure or showtime with its seats left",
        description:
          'An order picks them in `sessions` (component id → session id); a full one refuses the order.',
        security: signed,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'components and sessions' }, ...errors },
      },
    },
    '/partner/v1/orders': {
      post: {
        operationId: 'partnerCreateOrder',
        summary: "Hold tickets; idempotent on the partner's order id",
        security: signed,
        requestBody: { required: true, ...json(schema(PartnerOrderInput)) },
        responses: { '201': { description: 'held order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}': {
      get: {
        operationId: 'partnerGetOrder',
        summary: 'An order by partner order id (or Scenic id)',
        security: signed,
        parameters: [orderRef],
        responses: { '200': { description: 'order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/confirm': {
      post: {
        operationId: 'partnerConfirmOrder',
        summary: 'Confirm: pay on account, issue tickets (idempotent)',
        security: signed,
        parameters: [orderRef],
        responses: { '200': { description: 'issued order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/extend': {
      post: {
        operationId: 'partnerExtendOrder',
        summary:
          'Keep an unpaid hold for expirationMinutes (1–60) more from now; a hold ends at the latest 2 h after it was placed',
        security: signed,
        parameters: [orderRef],
        requestBody: { required: false, ...json(schema(ExtendHoldInput)) },
        responses: { '200': { description: 'held order with its new expiresAt' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/cancel': {
      post: {
        operationId: 'partnerCancelOrder',
        summary: 'Give up an unpaid hold (idempotent)',
        security: signed,
        parameters: [orderRef],
        responses: { '200': { description: 'cancelled order' }, ...errors },
      },
    },
    '/partner/v1/orders/{ref}/refunds': {
      post: {
        operationId: 'partnerRefundOrder',
        summary: 'Refund unused tickets with a reason',
        security: signed,
        parameters: [orderRef, idem],
        requestBody: { required: true, ...json(schema(RefundInput)) },
        responses: { '201': answer('refund', ref('RefundResult')), ...errors },
      },
    },
    '/partner/v1/orders/{ref}/tickets': {
      get: {
        operationId: 'partnerOrderTickets',
        summary: 'Ticket codes (QR payloads) to show the visitor',
        security: signed,
        parameters: [orderRef],
        responses: { '200': { description: 'tickets' }, ...errors },
      },
    },
    '/partner/v1/tickets/{ticketId}': {
      get: {
        operationId: 'partnerTicketStatus',
        summary: 'Redemption status of a ticket',
        security: signed,
        parameters: [path('ticketId', { type: 'string', format: 'uuid' })],
        responses: { '200': { description: 'status' }, ...errors },
      },
    },
    '/partner/v1/settlements/{date}': {
      get: {
        operationId: 'partnerSettlement',
        summary: "This partner's daily statement; `{date}.csv` or Accept: text/csv for CSV",
        security: signed,
        parameters: [path('date')],
        responses: { '200': { description: 'statement (JSON or CSV)' }, ...errors },
      },
    },
    '/octo/supplier': {
      get: {
        operationId: 'octoSupplier',
        summary: 'OCTO supplier',
        security: octoAuth,
        responses: { '200': { description: 'supplier' }, ...octoErrors },
      },
    },
    '/octo/products': {
      get: {
        operationId: 'octoProducts',
        summary: 'OCTO products (one per scenic area)',
        security: octoAuth,
        responses: { '200': { description: 'products' }, ...octoErrors },
      },
    },
    '/octo/products/{productId}': {
      get: {
        operationId: 'octoProduct',
        summary: 'One OCTO product',
        security: octoAuth,
        parameters: [path('productId')],
        responses: { '200': { description: 'product' }, ...octoErrors },
      },
    },
    '/octo/availability': {
      post: {
        operationId: 'octoAvailability',
        summary: 'OCTO availability (START_TIME slots)',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(AvailabilityRequest)) },
        responses: { '200': { description: 'availabilities' }, ...octoErrors },
      },
    },
    '/octo/availability/calendar': {
      post: {
        operationId: 'octoAvailabilityCalendar',
        summary: 'OCTO availability calendar',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(AvailabilityRequest)) },
        responses: { '200': { description: 'days' }, ...octoErrors },
      },
    },
    '/octo/bookings': {
      post: {
        operationId: 'octoReserve',
        summary: 'OCTO reserve (ON_HOLD); unit items carry identityDocument (real name)',
        security: octoAuth,
        requestBody: { required: true, ...json(schema(BookingRequest)) },
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
      get: {
        operationId: 'octoListBookings',
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
          ...octoErrors,
          '400': {
            description:
              'BAD_REQUEST: no filter, an unknown one, resellerReference (not stored) or a bad range',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        },
      },
    },
    '/octo/bookings/{uuid}': {
      get: {
        operationId: 'octoGetBooking',
        summary: 'OCTO booking',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
      patch: {
        operationId: 'octoUpdateBooking',
        summary:
          'OCTO booking update: move a CONFIRMED booking to another availabilityId (a reschedule, by the product rules; new ticket codes). Other fields are refused.',
        security: octoAuth,
        parameters: [path('uuid')],
        requestBody: { required: true, ...json(schema(BookingUpdateRequest)) },
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
      delete: {
        operationId: 'octoDeleteBooking',
        summary: 'OCTO cancel (hold cancelled or tickets refunded)',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
    },
    '/octo/bookings/{uuid}/confirm': {
      post: {
        operationId: 'octoConfirmBooking',
        summary: 'OCTO confirm (CONFIRMED, pay on account)',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
    },
    '/octo/bookings/{uuid}/extend': {
      post: {
        operationId: 'octoExtendBooking',
        summary:
          'OCTO extend an ON_HOLD booking (expirationMinutes 1–60 from now; at most 2 h after the reserve)',
        security: octoAuth,
        parameters: [path('uuid')],
        requestBody: { required: false, ...json(schema(ExtendHoldInput)) },
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
    },
    '/octo/bookings/{uuid}/cancel': {
      post: {
        operationId: 'octoCancelBooking',
        summary: 'OCTO cancel',
        security: octoAuth,
        parameters: [path('uuid')],
        responses: { '200': { description: 'booking' }, ...octoErrors },
      },
    },
    '/v1/box-office/sales': {
      post: {
        operationId: 'boxOfficeSale',
        summary: 'Walk-up sale (cash, card recorded as paid, QR via the gateway)',
        security: staff,
        parameters: [idem],
        requestBody: { required: true, ...json(schema(WalkUpInput)) },
        responses: { '201': answer('sale', ref('Sale')), ...errors },
      },
    },
    '/v1/box-office/group-sales': {
      post: {
        operationId: 'boxOfficeGroupSale',
        summary: 'Group sale with its visitor list',
        security: staff,
        parameters: [idem],
        requestBody: { required: true, ...json(schema(GroupSaleInput)) },
        responses: { '201': answer('sale', ref('Sale')), ...errors },
      },
    },
    '/v1/box-office/orders/{id}/reprint': {
      post: {
        operationId: 'boxOfficeReprint',
        summary: 'Reprint ticket codes (audited)',
        security: staff,
        parameters: [path('id')],
        responses: { '200': { description: 'order' }, ...errors },
      },
    },
    '/v1/box-office/orders/{id}/refunds': {
      post: {
        operationId: 'boxOfficeRefund',
        summary: 'Refund at the window with a reason',
        security: staff,
        parameters: [path('id'), idem],
        requestBody: { required: true, ...json(schema(RefundInput)) },
        responses: { '201': answer('refund', ref('RefundResult')), ...errors },
      },
    },
    '/v1/box-office/emergency': {
      post: {
        operationId: 'openEmergency',
        summary: 'Open emergency manual mode (supervisor)',
        security: staff,
        requestBody: { required: true, ...json(schema(OpenEmergencyInput)) },
        responses: { '201': { description: 'session' }, ...errors },
      },
    },
    '/v1/box-office/emergency/{id}': {
      get: {
        operationId: 'getEmergency',
        summary: 'An emergency session: who opened it, its cap and what it sold',
        security: staff,
        parameters: [path('id')],
        responses: { '200': answer('session', { type: 'object' }), ...errors },
      },
    },
    '/v1/box-office/emergency/{id}/sales': {
      post: {
        operationId: 'emergencySale',
        summary: 'Sell in an emergency session (cash/card)',
        security: staff,
        parameters: [path('id'), idem],
        requestBody: { required: true, ...json(schema(EmergencySaleInput)) },
        responses: { '201': answer('sale', ref('Sale')), ...errors },
      },
    },
    '/v1/box-office/emergency/{id}/close': {
      post: {
        operationId: 'closeEmergency',
        summary: 'Close an emergency session (supervisor)',
        security: staff,
        parameters: [path('id')],
        responses: { '200': { description: 'session' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}': {
      put: {
        operationId: 'putPartner',
        summary: 'Create or update a partner and its channel',
        security: staff,
        parameters: [path('id')],
        requestBody: { required: true, ...json(schema(PartnerInput.omit({ id: true }))) },
        responses: { '200': { description: 'partner' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}/keys': {
      post: {
        operationId: 'issuePartnerKey',
        summary: 'Issue a key; with overlapSeconds, rotate (old keys work until the overlap ends)',
        security: staff,
        parameters: [path('id')],
        requestBody: {
          required: false,
          ...json({
            type: 'object',
            properties: { overlapSeconds: { type: 'integer', minimum: 0, maximum: 2_592_000 } },
          }),
        },
        responses: { '201': { description: 'key id and secret (shown once)' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}/status': {
      post: {
        operationId: 'setPartnerStatus',
        summary: 'Suspend or reactivate a partner (audited): a suspended partner’s requests are refused',
        security: staff,
        parameters: [path('id')],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['status'],
            properties: { status: { enum: ['active', 'suspended'] } },
          }),
        },
        responses: { '200': answer('status', { type: 'object' }), ...errors },
      },
    },
    '/v1/admin/partners/{id}/keys/{keyId}': {
      delete: {
        operationId: 'revokePartnerKey',
        summary: 'Revoke a partner key at once (audited)',
        security: staff,
        parameters: [path('id'), path('keyId')],
        responses: { '204': { description: 'revoked' }, ...errors },
      },
    },
    '/v1/admin/partners/{id}/settlements/{date}': {
      get: {
        operationId: 'adminPartnerSettlement',
        summary: "A partner's daily statement (`.csv` for CSV)",
        security: staff,
        parameters: [path('id'), path('date')],
        responses: { '200': { description: 'statement' }, ...errors },
      },
    },
    '/v1/admin/webhooks/deliveries': {
      get: {
        operationId: 'listWebhookDeliveries',
        summary: 'Webhook deliveries, newest first',
        security: staff,
        parameters: [
          { name: 'partnerId', in: 'query', schema: { type: 'string' } },
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'dead'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: { '200': { description: 'deliveries' }, ...errors },
      },
    },
    '/v1/admin/webhooks/deliveries/{id}/replay': {
      post: {
        operationId: 'replayWebhookDelivery',
        summary: 'Replay a dead or delivered webhook (audited)',
        security: staff,
        parameters: [path('id')],
        responses: { '202': { description: 'queued' }, ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/channel-states': {
      get: {
        operationId: 'channelStates',
        summary: 'Every channel: selling or what blocks it (switch, pause, hours, level, quota)',
        security: staff,
        parameters: [path('areaId'), date],
        responses: { '200': { description: 'states' }, ...errors },
      },
    },
    '/v1/admin/channels/{channelId}/{action}': {
      post: {
        operationId: 'switchChannel',
        summary: 'Enable or disable a channel everywhere (audited, published)',
        security: staff,
        parameters: [path('channelId'), path('action', { type: 'string', enum: ['enable', 'disable'] })],
        responses: { '200': { description: 'switched' }, ...errors },
      },
    },
  };
}
