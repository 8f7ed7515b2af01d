import { JoinInput } from '../core/presale/inputs.js';
import {
  PlaceOrderInput,
  RefundInput,
  RescheduleInput,
  StartPaymentInput,
  WaitlistInput,
} from '../core/orders/inputs.js';
import {
  answer,
  areaId,
  body,
  dateQuery,
  errors,
  idem,
  inHeader,
  inPath,
  inQuery,
  open,
  ref,
  schema,
  slugId,
  staff,
  uuid,
} from './openapi-kit.js';

/**
 * The public API's paths: the visitor's purchase (area, availability, order, payment,
 * refund, reschedule, waiting list, phone sign-in), the presale door (waiting room and
 * hold hot path), the payment callback, the staff page's relay to its gate agent, and
 * the operational endpoints.
 */
const orderId = inPath('id', uuid, 'the order');
const problem = { $ref: '#/components/responses/Problem' };
const waitlistEntry = {
  type: 'object',
  required: ['id', 'areaId', 'date', 'slotId', 'units', 'status'],
  properties: {
    id: { type: 'string', description: 'the public id `wl_…`: claim with it (`claimId`)' },
    areaId: { type: 'string' },
    date: { type: 'string', format: 'date' },
    slotId: { type: 'string' },
    units: { type: 'integer' },
    status: { type: 'string', description: 'waiting, offered (a 10-minute claim in your name), claimed…' },
  },
};
const notAdmitted =
  '429 problem+json with the RoomState fields (`position`, `ahead`, `retryAfterSeconds`, `queueToken`) and Retry-After: ' +
  'not admitted yet, or `waiting_room_busy` when the process sheds load. 409 `no_waiting_room`: ordinary sales.';

export function visitorPaths(): Record<string, unknown> {
  return {
    '/v1/areas/{areaId}': {
      get: {
        operationId: 'getArea',
        summary: 'Area, products and time slots',
        parameters: [areaId],
        responses: { '200': answer('the area', ref('AreaView')), ...errors },
      },
    },
    '/v1/areas/{areaId}/availability': {
      get: {
        operationId: 'getAvailability',
        summary: 'What is left per time slot for a date and channel (step 1 of 3)',
        parameters: [
          areaId,
          dateQuery,
          inQuery('channel', { type: 'string', default: 'web' }, 'sales channel'),
        ],
        responses: { '200': answer('availability', ref('DayAvailability')), ...errors },
      },
    },
    '/v1/orders': {
      post: {
        operationId: 'placeOrder',
        summary: 'Hold tickets (step 2 of 3)',
        parameters: [idem],
        requestBody: body(schema(PlaceOrderInput)),
        responses: {
          '201': answer('held order with accessToken and expiresAt', ref('PlacedOrder')),
          ...errors,
        },
      },
    },
    '/v1/orders/{id}': {
      get: {
        operationId: 'getOrder',
        summary: 'An order with its tickets and QR codes',
        parameters: [orderId],
        responses: { '200': answer('order', ref('OrderView')), ...errors },
      },
    },
    '/v1/orders/{id}/payments': {
      post: {
        operationId: 'startPayment',
        summary: 'Pay a held order (step 3 of 3) with WeChat Pay or Alipay, for the order’s amount',
        description:
          'The scene follows the channel and the device (User-Agent unless `device` is given): a QR on site and on desktop WeChat, a redirect in mobile browsers (WeChat H5, Alipay wap) and desktop Alipay (page), JSAPI arguments in the mini-program (`openid`). Asking again returns the same pending payment.',
        parameters: [orderId],
        requestBody: body(schema(StartPaymentInput), false),
        responses: { '201': answer('payment started', ref('PaymentStart')), ...errors },
      },
    },
    '/v1/orders/{id}/cancel': {
      post: {
        operationId: 'cancelOrder',
        summary: 'Give up an unpaid hold',
        parameters: [orderId],
        responses: { '200': answer('cancelled order', ref('OrderView')), ...errors },
      },
    },
    '/v1/orders/{id}/refunds': {
      post: {
        operationId: 'refundOrder',
        summary: 'Refund some or all unused tickets with a reason',
        parameters: [orderId, idem],
        requestBody: body(schema(RefundInput)),
        responses: { '201': answer('refund booked', ref('RefundResult')), ...errors },
      },
    },
    '/v1/orders/{id}/reschedule': {
      post: {
        operationId: 'rescheduleOrder',
        summary: 'Move unused tickets to another date/slot',
        parameters: [orderId, idem],
        requestBody: body(schema(RescheduleInput)),
        responses: { '200': answer('rescheduled order', ref('OrderView')), ...errors },
      },
    },
    '/v1/waitlist': {
      post: {
        operationId: 'joinWaitlist',
        summary: 'Join the waiting list of a sold-out slot (signed in: the phone of the session)',
        description:
          'Needs a visitor session (`vs1.…`, phone sign-in); `contactPhone` must be its phone. At most ' +
          '2 live entries per phone, 4 per device (X-Device-Id) and 10 per address on an area-day.',
        parameters: [idem],
        requestBody: body(schema(WaitlistInput)),
        responses: { '201': answer('waiting', waitlistEntry), ...errors },
      },
    },
    '/v1/waitlist/{id}': {
      get: {
        operationId: 'getWaitlistEntry',
        summary: 'A waiting-list entry: still waiting, or offered a claim',
        parameters: [inPath('id', { type: 'string', pattern: '^wl_[0-9a-f]{32}$' })],
        responses: { '200': answer('entry', waitlistEntry), ...errors },
      },
    },
    '/v1/me/orders': {
      get: {
        operationId: 'listMyOrders',
        summary: "The signed-in visitor's orders, newest first",
        parameters: [
          inQuery('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }),
          inQuery('before', uuid, 'the `next` of the previous page'),
        ],
        responses: {
          '200': answer('page of orders', {
            type: 'object',
            required: ['items', 'next'],
            properties: {
              items: { type: 'array', items: ref('OrderView') },
              next: { type: ['string', 'null'] },
            },
          }),
          ...errors,
        },
      },
    },
    '/v1/auth/otp': {
      post: {
        operationId: 'sendSignInCode',
        summary: 'Send a sign-in code by SMS',
        requestBody: body({ type: 'object', required: ['phone'], properties: { phone: { type: 'string' } } }),
        responses: {
          '202': answer('sent', {
            type: 'object',
            properties: { sent: { type: 'boolean' }, expiresInSeconds: { type: 'integer' } },
          }),
          ...errors,
        },
      },
    },
    '/v1/auth/session': {
      post: {
        operationId: 'signIn',
        summary: 'Exchange phone + code for a session token',
        requestBody: body({
          type: 'object',
          required: ['phone', 'code'],
          properties: { phone: { type: 'string' }, code: { type: 'string', pattern: '^\\d{6}$' } },
        }),
        responses: {
          '201': answer('token (`vs1.…`, send as Bearer)', {
            type: 'object',
            properties: { token: { type: 'string' }, tokenType: { const: 'Bearer' } },
          }),
          ...errors,
        },
      },
    },
    ...Object.fromEntries(
      (['wechat', 'alipay'] as const).map((provider) => [
        `/v1/payments/callback/${provider}`,
        {
          post: {
            operationId: `paymentCallback${provider === 'wechat' ? 'Wechat' : 'Alipay'}`,
            summary:
              provider === 'wechat'
                ? 'WeChat Pay v3 notification (WECHATPAY2-SHA256-RSA2048 signed, AEAD_AES_256_GCM resource)'
                : 'Alipay async notification (RSA2-signed form)',
            description:
              "Verified before anything is written, then bound to the payment or refund Scenic created. Answered in the provider's own format, and with success only after the books committed.",
            security: open,
            requestBody: body({ description: 'raw bytes, verified by the adapter' }),
            responses: {
              [provider === 'wechat' ? '204' : '200']: {
                description:
                  provider === 'wechat'
                    ? 'received (a 500 with {"code":"FAIL"} makes WeChat Pay send it again)'
                    : 'the text `success` when received, `fail` to have it sent again',
              },
              '500': { description: 'refused or not applied: send it again' },
              ...errors,
            },
          },
        },
      ]),
    ),
    ...presalePaths(),
    ...operationalPaths(),
  };
}

function presalePaths(): Record<string, unknown> {
  const queueToken = inHeader('X-Queue-Token', { type: 'string' }, 'the `queueToken` the join answered');
  return {
    '/v1/queue/{areaId}/join': {
      post: {
        operationId: 'joinWaitingRoom',
        summary: 'Join the presale waiting room of an area: one number per device, by arrival',
        security: open,
        parameters: [areaId],
        requestBody: body(schema(JoinInput)),
        responses: {
          '200': answer('admitted', ref('RoomState')),
          ...errors,
          '429': { ...problem },
          '409': problem,
        },
        description: notAdmitted,
      },
    },
    '/v1/queue/{areaId}/status': {
      get: {
        operationId: 'waitingRoomStatus',
        summary: 'Place in line; the admission token once the frontier reaches it',
        security: open,
        parameters: [areaId, queueToken],
        responses: { '200': answer('admitted', ref('RoomState')), ...errors },
        description: notAdmitted,
      },
    },
    '/v1/presale/holds': {
      post: {
        operationId: 'placePresaleHold',
        summary: 'Hold stock during a presale (admitted buyers; no Postgres write): order with the holdId',
        description:
          'Served ahead of every app-wide middleware: one HMAC check of the admission token, one in-memory ' +
          "sold-out check, the admission's units and one Lua call. 409 `slot_sold_out` etc. as for orders; " +
          '409 `admission_used` once the place in line has held `unitsPerAdmission` units; 409 ' +
          "`waiting_room_closed` after the room's closesAt; 401 `admission_wrong_device` from another device. " +
          "The booking window and the web channel's state apply as for orders.",
        security: open,
        parameters: [
          inHeader('X-Admission-Token', { type: 'string' }, 'the `admissionToken` of the room'),
          inHeader(
            'X-Device-Id',
            { type: 'string' },
            'the `deviceId` that joined: an admission holds only from it',
          ),
        ],
        requestBody: body({
          type: 'object',
          required: ['areaId', 'date', 'slotId', 'quantity'],
          properties: {
            areaId: slugId,
            date: { type: 'string', format: 'date' },
            slotId: slugId,
            quantity: { type: 'integer', minimum: 1, maximum: 10, description: 'places (persons) to hold' },
          },
        }),
        responses: { '201': answer('held', ref('PresaleHold')), ...errors },
      },
    },
  };
}

function operationalPaths(): Record<string, unknown> {
  const agentAnswer = answer("the gate agent's answer, relayed as it is (gate/server.ts)", {
    type: 'object',
  });
  return {
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: open,
        responses: { '200': answer('OpenAPI 3.1', { type: 'object' }), '404': problem },
      },
    },
    '/healthz': {
      get: {
        operationId: 'liveness',
        summary: 'Liveness: the process answers',
        security: open,
        responses: { '200': answer('ok', { type: 'object' }), '404': problem },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readiness',
        summary: 'Readiness: Postgres and Redis answer (503 when either does not)',
        security: open,
        responses: {
          '200': answer('ready', { type: 'object' }),
          '503': answer('degraded', { type: 'object' }),
          '404': problem,
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (only with Bearer SCENIC_METRICS_TOKEN; 404 when none is configured)',
        security: [{}, { metricsToken: [] }],
        responses: {
          '200': {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '401': problem,
        },
      },
    },
    '/staff/agent/scan': {
      post: {
        operationId: 'relayScan',
        summary: "The staff page's scan, relayed to its entrance's gate agent (SCENIC_WEB_GATE_AGENT_URL)",
        security: staff,
        requestBody: body({
          type: 'object',
          description: 'as the agent takes it: qr | idNumber | cardUid, group',
        }),
        responses: { '200': agentAnswer, ...errors, '502': problem, '503': problem },
      },
    },
    '/staff/agent/health': {
      get: {
        operationId: 'relayAgentHealth',
        summary: "The health of the staff page's gate agent, relayed",
        security: staff,
        responses: { '200': agentAnswer, ...errors, '502': problem, '503': problem },
      },
    },
  };
}
