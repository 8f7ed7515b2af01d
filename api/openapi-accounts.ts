import { z } from 'zod';
import { AccountPatch, NewAccountInput } from '../core/auth/accounts.js';
import { NewDeviceKeyInput, RotateInput } from '../core/auth/device-keys.js';
import { GateAgentInput } from '../core/auth/gate-agents.js';
import { CounterInput } from '../core/zones/registry.js';
import { SearchQuery } from '../core/customer-service/desk.js';
import { CodeBody, EnrolBody, PasswordBody, SignInBody } from './staff-auth.js';
import { DeskRefundInput, DeskRescheduleInput, ResendInput } from './customer-service.js';
import {
  answer,
  areaId,
  body,
  errors,
  idem,
  inPath,
  inQuery,
  noContent,
  open,
  schema,
  slugId,
  staff,
  uuid,
} from './openapi-kit.js';

/**
 * The paths of people's sign-in (api/staff-auth.ts), the accounts, device keys and gate
 * agents of the back office (api/accounts-admin.ts) and the customer-service desk
 * (api/customer-service.ts). Each staff path answers only within the caller's areas.
 */
const obj = { type: 'object' };
const items = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: obj } } };
const accountId = inPath('id', uuid, 'the account');
const keyId = inPath('id', { type: 'string', pattern: '^[A-Za-z0-9]{1,40}$' }, 'the device key');
const orderId = inPath('id', uuid, 'the order');
const areaQuery = inQuery('areaId', slugId, 'only those acting in this area');
const op = (
  operationId: string,
  summary: string,
  o: {
    security?: unknown;
    parameters?: unknown[];
    requestBody?: unknown;
    ok?: [string, string, unknown?];
  } = {},
) => ({
  operationId,
  summary,
  security: o.security ?? staff,
  ...(o.parameters ? { parameters: o.parameters } : {}),
  ...(o.requestBody ? { requestBody: o.requestBody } : {}),
  responses: {
    [o.ok?.[0] ?? '200']:
      o.ok?.[0] === '204' ? noContent(o.ok[1]) : answer(o.ok?.[1] ?? 'done', o.ok?.[2] ?? obj),
    ...errors,
  },
});

function staffAuthPaths(): Record<string, unknown> {
  return {
    '/v1/staff/sign-in': {
      post: op('staffSignIn', 'Sign in with a login and password (and a TOTP code once enrolled)', {
        security: open,
        requestBody: body(schema(SignInBody)),
        ok: ['201', 'a session: a Bearer token, or the console cookie (token null) and its CSRF token'],
      }),
    },
    '/v1/staff/enrol': {
      post: op('staffEnrol', 'Set the first (or reset) password with a one-time enrolment token', {
        security: open,
        requestBody: body(schema(EnrolBody)),
        ok: ['200', 'the account'],
      }),
    },
    '/v1/staff/sign-out': { post: op('staffSignOut', 'End this session', { ok: ['204', 'signed out'] }) },
    '/v1/staff/me': { get: op('staffMe', 'Who the caller is: role, areas, channel, permissions, account') },
    '/v1/staff/sessions': {
      get: op('listOwnSessions', "The caller's live sessions", { ok: ['200', 'list', items] }),
    },
    '/v1/staff/sessions/{sessionId}': {
      delete: op('revokeOwnSession', 'Revoke one of the caller’s sessions', {
        parameters: [inPath('sessionId', { type: 'string', pattern: '^[A-Za-z0-9]{12}$' })],
        ok: ['204', 'revoked'],
      }),
    },
    '/v1/staff/password': {
      post: op('changeOwnPassword', 'Change the password (every other session ends)', {
        requestBody: body(schema(PasswordBody)),
        ok: ['204', 'changed'],
      }),
    },
    '/v1/staff/totp': {
      post: op('startTotpEnrolment', 'Start a TOTP enrolment: a secret and its otpauth:// URI (shown once)', {
        ok: ['201', 'the pending secret'],
      }),
    },
    '/v1/staff/totp/confirm': {
      post: op('confirmTotpEnrolment', 'Confirm the pending TOTP secret with a code', {
        requestBody: body(schema(CodeBody)),
        ok: ['200', 'the account'],
      }),
    },
  };
}

function accountsPaths(): Record<string, unknown> {
  return {
    '/v1/admin/accounts': {
      get: op('listAccounts', 'Accounts within the caller’s areas', {
        parameters: [areaQuery],
        ok: ['200', 'list', items],
      }),
      post: op(
        'createAccount',
        'Create an account (no password: its one-time enrolment token is in the answer)',
        {
          requestBody: body(schema(NewAccountInput)),
          ok: ['201', 'the account and its enrolment token'],
        },
      ),
    },
    '/v1/admin/accounts/{id}': {
      get: op('getAccount', 'One account', { parameters: [accountId] }),
      patch: op('updateAccount', 'Change an account’s details, role, areas or channel (audited)', {
        parameters: [accountId],
        requestBody: body(schema(AccountPatch)),
      }),
    },
    '/v1/admin/accounts/{id}/status': {
      post: op('setAccountStatus', 'Disable (its sessions end) or enable an account', {
        parameters: [accountId],
        requestBody: body(schema(z.object({ status: z.enum(['active', 'disabled']) }))),
      }),
    },
    '/v1/admin/accounts/{id}/enrolment': {
      post: op(
        'resetEnrolment',
        'A new enrolment token: clears the password (and with secondFactor, the TOTP)',
        {
          parameters: [accountId],
          requestBody: body(schema(z.object({ secondFactor: z.boolean().default(false) })), false),
          ok: ['201', 'the account and its enrolment token'],
        },
      ),
    },
    '/v1/admin/accounts/{id}/sessions': {
      get: op('listAccountSessions', 'An account’s live sessions', {
        parameters: [accountId],
        ok: ['200', 'list', items],
      }),
      delete: op('revokeAccountSessions', 'End every session of an account', { parameters: [accountId] }),
    },
    '/v1/admin/device-keys': {
      get: op('listDeviceKeys', 'Staff and device keys within the caller’s areas', {
        parameters: [areaQuery],
        ok: ['200', 'list', items],
      }),
      post: op('createDeviceKey', 'Issue a box-office, kiosk or handheld key (shown once, stored hashed)', {
        requestBody: body(schema(NewDeviceKeyInput)),
        ok: ['201', 'the key view and its secret'],
      }),
    },
    '/v1/admin/device-keys/{id}': {
      delete: op('revokeDeviceKey', 'Revoke a key at once', { parameters: [keyId] }),
    },
    '/v1/admin/device-keys/{id}/rotate': {
      post: op('rotateDeviceKey', 'Issue a successor; the old key works for the overlap, then stops', {
        parameters: [keyId],
        requestBody: body(schema(RotateInput), false),
        ok: ['201', 'the successor (with its secret) and the previous key'],
      }),
    },
    '/v1/admin/areas/{areaId}/gate-agents': {
      get: op('listGateAgents', 'The gate agents of an area and their health', {
        parameters: [areaId],
        ok: ['200', 'list', items],
      }),
      post: op(
        'registerGateAgent',
        'Register (or re-key) a gate agent of the area: its credential, shown once',
        {
          parameters: [areaId],
          requestBody: body(schema(GateAgentInput)),
          ok: ['201', 'the gate and its credential'],
        },
      ),
    },
    '/v1/admin/areas/{areaId}/gate-agents/{gateId}': {
      delete: op('revokeGateAgent', 'Revoke a gate agent at once', {
        parameters: [areaId, inPath('gateId', slugId)],
        ok: ['204', 'revoked'],
      }),
    },
    '/v1/admin/areas/{areaId}/counters': {
      get: op('listCounters', 'The people-counting sensors of an area: zone, status, last report', {
        parameters: [areaId],
        ok: ['200', 'list', items],
      }),
      post: op(
        'registerCounter',
        'Register a people-counting sensor for a zone that names it: its key id and HMAC secret, shown once',
        {
          parameters: [areaId],
          requestBody: body(schema(CounterInput)),
          ok: ['201', 'the sensor, its key id and secret (SCENIC-HMAC-SHA256, POST /device/v1/counts)'],
        },
      ),
    },
    '/v1/admin/areas/{areaId}/counters/{counterId}': {
      delete: op('retireCounter', 'Retire a sensor at once: its next report is refused; its counts stay', {
        parameters: [areaId, inPath('counterId', slugId)],
        ok: ['200', 'the retired sensor'],
      }),
    },
  };
}

function customerServicePaths(): Record<string, unknown> {
  const q = schema(SearchQuery) as { properties: Record<string, Record<string, unknown>> };
  return {
    '/v1/cs/areas/{areaId}/orders': {
      get: op(
        'searchOrders',
        'Find an area’s orders by exactly one of order number, phone, ID number (masked)',
        {
          parameters: [areaId, ...Object.entries(q.properties).map(([name, s]) => inQuery(name, s))],
          ok: ['200', 'matching orders, masked, without ticket codes', items],
        },
      ),
    },
    '/v1/cs/orders/{id}': {
      get: op('deskOrder', 'One order as the desk sees it (masked, without ticket codes)', {
        parameters: [orderId],
      }),
    },
    '/v1/cs/orders/{id}/refunds': {
      post: op('deskRefund', 'Refund on the visitor’s behalf, with a note (audited)', {
        parameters: [orderId, idem],
        requestBody: body(schema(DeskRefundInput)),
        ok: ['201', 'the refund'],
      }),
    },
    '/v1/cs/orders/{id}/reschedule': {
      post: op('deskReschedule', 'Reschedule on the visitor’s behalf, with a reason (audited)', {
        parameters: [orderId, idem],
        requestBody: body(schema(DeskRescheduleInput)),
      }),
    },
    '/v1/cs/orders/{id}/resend': {
      post: op('resendTickets', 'Text the tickets link to the order’s contact phone again (once a minute)', {
        parameters: [orderId],
        requestBody: body(schema(ResendInput)),
        ok: ['202', 'sent (the number masked)'],
      }),
    },
  };
}

/** Every path of this file. */
export function accountPaths(): Record<string, unknown> {
  return { ...staffAuthPaths(), ...accountsPaths(), ...customerServicePaths() };
}
