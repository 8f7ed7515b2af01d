import { CountReport } from '../core/zones/counters.js';
import { answer, body, errors, schema } from './openapi-kit.js';

/**
 * The people-counter device API (api/device-router.ts): sensors post signed counts into the
 * zones they feed (issue 21). Signed like partner requests, with the sensor id as key id.
 */
export const deviceSecuritySchemes = {
  counterSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Scenic-Signature',
    description:
      'The partner signature scheme (v2: method, Host, path, query, timestamp, nonce, body digest and key id) ' +
      "with the sensor's id as `X-Scenic-Key` and its own secret; a nonce is accepted once.",
  },
};

export const deviceSchemas = () => ({ CountReport: schema(CountReport) });

export function devicePaths(): Record<string, unknown> {
  return {
    '/device/v1/counts': {
      post: {
        operationId: 'postCount',
        summary: 'A people counter reports the people in and out since its previous report',
        description: 'A resend of one `countId` counts once. Refusals are logged with the reason.',
        security: [{ counterSignature: [] }],
        requestBody: body({ $ref: '#/components/schemas/CountReport' }),
        responses: { '202': answer('the count, taken (or already taken)'), ...errors },
      },
    },
  };
}
