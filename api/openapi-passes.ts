import { PassBookingInput, PassRenewalInput } from '../core/passes/book.js';
import { PassTerms } from '../core/passes/model.js';
import {
  adminOp,
  answer,
  areaId,
  idem,
  inHeader,
  inPath,
  openOp,
  ref,
  schema,
  slugId,
  uuid,
} from './openapi-kit.js';

/** Annual passes (issue 18, core/passes): terms per product, the holder's pass, bookings, renewals. */
export function passPaths(): Record<string, unknown> {
  const passId = inPath('passId', uuid, 'the pass: its ticket id');
  const productId = inPath('productId', slugId, 'a product of kind annual_pass');
  const token = inHeader('x-order-token', { type: 'string' }, 'the access token of the pass’s order', false);
  const terms = {
    get: adminOp('getPassTerms', {
      summary: 'A pass product’s terms: validity, entry rule, blackout and busy days, priority lane',
      parameters: [areaId, productId],
      responses: { '200': answer('the terms', schema(PassTerms, 'output')) },
    }),
    put: adminOp('putPassTerms', {
      summary: 'Declare a pass product’s terms',
      description:
        'The product must be of kind `annual_pass`. Gates hear of a changed blackout or busy day with the next change sync.',
      parameters: [areaId, productId],
      input: schema(PassTerms),
      responses: { '200': answer('the terms as stored', schema(PassTerms, 'output')) },
    }),
  };
  return {
    '/v1/areas/{areaId}/passes': {
      get: openOp('listPassProducts', {
        summary: 'The pass products of an area with their terms and refund policy',
        parameters: [areaId],
        responses: { '200': answer('the pass products') },
      }),
    },
    '/v1/passes/{passId}': {
      get: openOp('getPass', {
        summary: 'A pass: holder (masked), validity with renewals, terms, bookings',
        parameters: [passId, token],
        responses: { '200': answer('the pass') },
      }),
    },
    '/v1/passes/{passId}/bookings': {
      post: openOp('bookPassSlot', {
        summary: 'Book the holder a free place in a slot (required to enter on busy days)',
        description:
          'An order of the pass product at price 0 for the holder: it takes the slot’s stock like any ticket and is issued at once.',
        parameters: [passId, token, idem],
        input: schema(PassBookingInput),
        responses: { '201': answer('the booking and its issued order') },
      }),
    },
    '/v1/passes/{passId}/renewals': {
      post: openOp('renewPass', {
        summary: 'Renew a pass: a held order to pay, which extends the pass once issued',
        parameters: [passId, token, idem],
        input: schema(PassRenewalInput),
        responses: { '201': answer('the held renewal order', ref('OrderView')) },
      }),
    },
    '/v1/passes/{passId}/photo': {
      put: openOp('putPassPhoto', {
        summary: 'The holder’s photo (JPEG or PNG, base64, at most 256 KiB), stored sealed',
        parameters: [passId, token],
        input: {
          type: 'object',
          required: ['photo'],
          properties: { photo: { type: 'string', contentEncoding: 'base64' } },
        },
        responses: { '200': answer('the pass') },
      }),
    },
    '/v1/admin/areas/{areaId}/products/{productId}/pass': terms,
  };
}
