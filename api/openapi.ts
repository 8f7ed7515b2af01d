import { z } from 'zod';
import { PlaceOrderInput, RefundInput, RescheduleInput, WaitlistInput } from '../core/orders/inputs.js';
import { AreaDefinition, ChannelDefinition } from '../core/catalog/definition.js';
import { partnerPaths, partnerSecuritySchemes } from './partner-openapi.js';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate the
 * requests, so the published contract and the enforced one are the same thing.
 */
const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
const problem = { $ref: '#/components/responses/Problem' };
const idemHeader = { $ref: '#/components/parameters/IdempotencyKey' };
const orderId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
const errors = {
  '400': problem,
  '401': problem,
  '403': problem,
  '404': problem,
  '409': problem,
  '422': problem,
  '429': problem,
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scenic API',
      version: '1.0.0',
      description:
        'Timed-entry, real-name ticketing for scenic areas. Errors are application/problem+json with a stable `code`. ' +
        'Every POST that creates something takes an `Idempotency-Key`; retries replay the first response. ' +
        'Visitors may buy without signing in (the order then answers to its `X-Order-Token`), or sign in with phone + SMS code.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        ...partnerSecuritySchemes,
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Staff/device/partner API key `sk_<id>_<secret>`, or a visitor session `vs1.…`.',
        },
        orderToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Order-Token',
          description: 'The accessToken returned when the order was placed.',
        },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{8,128}$' },
        },
      },
      responses: {
        Problem: {
          description: 'RFC 9457 problem details',
          content: {
            'application/problem+json': {
              schema: {
                type: 'object',
                required: ['type', 'title', 'status', 'code'],
                properties: {
                  type: { type: 'string' },
                  title: { type: 'string' },
                  status: { type: 'integer' },
                  code: { type: 'string', description: 'stable machine-readable reason' },
                  detail: { type: 'string' },
                  errors: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { path: { type: 'string' }, message: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    security: [{}, { bearer: [] }, { orderToken: [] }],
    paths: {
      '/v1/areas/{areaId}': {
        get: {
          summary: 'Area, products and time slots',
          parameters: [{ name: 'areaId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the area' }, ...errors },
        },
      },
      '/v1/areas/{areaId}/availability': {
        get: {
          summary: 'What is left per time slot for a date and channel (step 1 of 3)',
          parameters: [
            { name: 'areaId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'date', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
            { name: 'channel', in: 'query', schema: { type: 'string', default: 'web' } },
          ],
          responses: { '200': { description: 'availability' }, ...errors },
        },
      },
      '/v1/orders': {
        post: {
          summary: 'Hold tickets (step 2 of 3)',
          parameters: [idemHeader],
          requestBody: { required: true, ...json(schema(PlaceOrderInput)) },
          responses: { '201': { description: 'held order with accessToken and expiresAt' }, ...errors },
        },
      },
      '/v1/orders/{id}': {
        get: {
          summary: 'An order with its tickets and QR codes',
          parameters: [orderId],
          responses: { '200': { description: 'order' }, ...errors },
        },
      },
      '/v1/orders/{id}/payments': {
        post: {
          summary: 'Pay a held order (step 3 of 3): returns the payment page',
          parameters: [orderId],
          responses: { '201': { description: 'payment started' }, ...errors },
        },
      },
      '/v1/orders/{id}/cancel': {
        post: {
          summary: 'Give up an unpaid hold',
          parameters: [orderId],
          responses: { '200': { description: 'cancelled order' }, ...errors },
        },
      },
      '/v1/orders/{id}/refunds': {
        post: {
          summary: 'Refund some or all unused tickets with a reason',
          parameters: [orderId, idemHeader],
          requestBody: { required: true, ...json(schema(RefundInput)) },
          responses: { '201': { description: 'refund booked' }, ...errors },
        },
      },
      '/v1/orders/{id}/reschedule': {
        post: {
          summary: 'Move unused tickets to another date/slot',
          parameters: [orderId, idemHeader],
          requestBody: { required: true, ...json(schema(RescheduleInput)) },
          responses: { '200': { description: 'rescheduled order' }, ...errors },
        },
      },
      '/v1/waitlist': {
        post: {
          summary: 'Join the waiting list of a sold-out slot',
          parameters: [idemHeader],
          requestBody: { required: true, ...json(schema(WaitlistInput)) },
          responses: { '201': { description: 'waiting' }, ...errors },
        },
      },
      '/v1/me/orders': {
        get: {
          summary: "The signed-in visitor's orders",
          responses: { '200': { description: 'page of orders' }, ...errors },
        },
      },
      '/v1/auth/otp': {
        post: {
          summary: 'Send a sign-in code by SMS',
          requestBody: {
            required: true,
            ...json({ type: 'object', required: ['phone'], properties: { phone: { type: 'string' } } }),
          },
          responses: { '202': { description: 'sent' }, ...errors },
        },
      },
      '/v1/auth/session': {
        post: {
          summary: 'Exchange phone + code for a session token',
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['phone', 'code'],
              properties: { phone: { type: 'string' }, code: { type: 'string' } },
            }),
          },
          responses: { '201': { description: 'token' }, ...errors },
        },
      },
      '/v1/payments/callback/{provider}': {
        post: {
          summary: 'Signed payment provider callback',
          security: [{}],
          responses: { '200': { description: 'received' }, ...errors },
        },
      },
      '/v1/admin/areas/{areaId}': {
        put: {
          summary: 'Create or replace an area catalog',
          requestBody: { required: true, ...json(schema(AreaDefinition)) },
          responses: { '200': { description: 'stored' }, ...errors },
        },
      },
      '/v1/admin/channels': {
        put: {
          summary: 'Create or update sales channels',
          requestBody: { required: true, ...json(schema(z.array(ChannelDefinition))) },
          responses: { '200': { description: 'stored' }, ...errors },
        },
      },
      '/v1/admin/areas/{areaId}/channels/{channelId}/{action}': {
        post: {
          summary: 'Pause or resume a channel by hand (audited)',
          responses: { '200': { description: 'switched' }, ...errors },
        },
      },
      '/v1/admin/audit': {
        get: { summary: 'Audit trail', responses: { '200': { description: 'page' }, ...errors } },
      },
      '/v1/admin/inventory/reconcile': {
        post: {
          summary: 'Reconcile Redis stock with Postgres now and report drift',
          responses: { '200': { description: 'reports' }, ...errors },
        },
      },
      ...partnerPaths(),
    },
  };
}
