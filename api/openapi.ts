import { adminPaths } from './openapi-admin.js';
import { gatePaths } from './openapi-gate.js';
import { moneyPaths } from './openapi-money.js';
import { cardOpenApiPaths } from './openapi-cards.js';
import { schema } from './openapi-kit.js';
import { VIEW_SCHEMAS } from './openapi-views.js';
import { visitorPaths } from './openapi-visitor.js';
import { accountPaths } from './openapi-accounts.js';
import { partnerPaths, partnerSecuritySchemes } from './partner-openapi.js';
import { screenPaths, screenSchemas, screenSecuritySchemes } from './openapi-screen.js';
import { devicePaths, deviceSchemas, deviceSecuritySchemes } from './openapi-device.js';
import { jointPaths } from './openapi-joint.js';
import { comboPaths } from './openapi-combos.js';
import { passPaths } from './openapi-passes.js';
import { pricingPaths } from './openapi-pricing.js';
import { memberPaths } from './openapi-members.js';
import { spendPaths } from './openapi-spend.js';
import { campaignPaths } from './openapi-campaigns.js';

/**
 * The OpenAPI 3.1 document served at `/v1/openapi.json`, generated from the same zod
 * schemas that validate the requests (and, for the main answers, from zod schemas tied to
 * the server's view types: api/openapi-views.ts), so the published contract and the
 * enforced one are the same thing. Paths per audience: openapi-visitor.ts (public,
 * presale, operational), openapi-admin.ts, openapi-gate.ts, partner-openapi.ts (partners,
 * OCTO, box office, partner admin). tests/api/openapi-routes.test.ts fails on a route the
 * app mounts that this document does not describe, and the other way round;
 * api/openapi.test.ts lints it with Redocly's strictest ruleset.
 */
const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', description: '`https://scenic.dev/problems/<code>`' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'stable machine-readable reason' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'the request path' },
    errors: {
      type: 'array',
      description: 'the fields that are wrong (400)',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function components(): Record<string, unknown> {
  return {
    securitySchemes: {
      ...partnerSecuritySchemes,
      ...screenSecuritySchemes,
      ...deviceSecuritySchemes,
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
      metricsToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'SCENIC_METRICS_TOKEN: /metrics exists only when one is configured.',
      },
      gateCredential: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Scenic-Gate-Credential',
        description:
          'A gate device credential `sgd1.<gateId>.<secret>` (`scenic gate register` prints it once).',
      },
      gateBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The gate device credential as `Bearer sgd1.…`.',
      },
    },
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        description: 'One per intent: a retry with the same key replays the first answer.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{8,128}$' },
      },
    },
    responses: {
      Problem: {
        description: 'RFC 9457 problem details',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
      OctoError: {
        description: 'OCTO error (`error` as OCTO names it, `errorMessage`) with the problem fields',
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/Problem' },
                {
                  type: 'object',
                  required: ['error', 'errorMessage'],
                  properties: { error: { type: 'string' }, errorMessage: { type: 'string' } },
                },
              ],
            },
          },
        },
      },
    },
    schemas: {
      Problem: problemSchema,
      ...Object.fromEntries(Object.entries(VIEW_SCHEMAS).map(([name, s]) => [name, schema(s, 'output')])),
      ...screenSchemas(),
      ...deviceSchemas(),
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scenic API',
      version: '1.0.0',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description:
        'Timed-entry, real-name ticketing for scenic areas. Errors are application/problem+json with a stable `code`. ' +
        'Every POST that creates something takes an `Idempotency-Key`; retries replay the first response. ' +
        'Visitors may buy without signing in (the order then answers to its `X-Order-Token`), or sign in with phone + SMS code. ' +
        'Amounts are integers in fen (1/100 yuan).',
    },
    servers: [{ url: '/' }],
    components: components(),
    security: [{}, { bearer: [] }, { orderToken: [] }],
    paths: {
      ...visitorPaths(),
      ...adminPaths(),
      ...accountPaths(),
      ...gatePaths(),
      ...partnerPaths(),
      ...moneyPaths(),
      ...screenPaths(),
      ...devicePaths(),
      ...cardOpenApiPaths(),
      ...jointPaths(),
      ...comboPaths(),
      ...passPaths(),
      ...pricingPaths(),
      ...memberPaths(),
      ...spendPaths(),
      ...campaignPaths(),
    },
  };
}
