import { PassBookingInput, PassRenewalInput } from '../core/passes/book.js';
import { PassTerms } from '../core/passes/model.js';
import {
  answer,
  areaId,
  body,
  errors,
  idem,
  inHeader,
  inPath,
  open,
  ref,
  schema,
  slugId,
  staff,
  uuid,
} from './openapi-kit.js';

/** Annual passes (issue 18, core/passes): terms per product, the holder's pass, bookings, renewals. */
export function passPaths(): Record<string, unknown> {
  const passId = inPath('passId', uuid, 'the pass: its ticket id');
  const productId = inPath('productId', slugId, 'a product of kind annual_pass');
  const token = inHeader('x-order-token', { type: 'string' }, 'the access token of the pass’s order', false);
  const terms = {
    get: {
      operationId: 'getPassTerms',
      summary: 'A pass product’s terms: validity, entry rule, blackout and busy days, priority lane',
      security: staff,
      parameters: [areaId, productId],
      responses: { '200': answer('the terms', schema(PassTerms, 'output')), ...errors },
    },
    put: {
      operationId: 'putPassTerms',
      summary: 'Declare a pass product’s terms',
      description:
        'The product must be of kind `annual_pass`. Gates hear of a changed blackout or busy day with the next change sync.',
      security: staff,
      parameters: [areaId, productId],
      requestBody: body(schema(PassTerms)),
      responses: { '200': answer('the terms as stored', schema(PassTerms, 'output')), ...errors },
    },
  };
  return {
    '/v1/areas/{areaId}/passes': {
      get: {
        operationId: 'listPassProducts',
        summary: 'The pass products of an area with their terms and refund policy',
        security: open,
        parameters: [areaId],
        responses: { '200': answer('the pass products'), ...errors },
      },
    },
    '/v1/passes/{passId}': {
      get: {
        operationId: 'getPass',
        summary: 'A pass: holder (masked), validity with renewals, terms, bookings',
        security: open,
        parameters: [passId, token],
        responses: { '200': answer('the pass'), ...errors },
      },
    },
    '/v1/passes/{passId}/bookings': {
      post: {
        operationId: 'bookPassSlot',
        summary: 'Book the holder a free place in a slot (required to enter on busy days)',
        description:
          'An order of the pass product at price 0 for the holder: it takes the slot’s stock like any ticket and is issued at once.',
        security: open,
        parameters: [passId, token, idem],
        requestBody: body(schema(PassBookingInput)),
        responses: { '201': answer('the booking and its issued order'), ...errors },
      },
    },
    '/v1/passes/{passId}/renewals': {
      post: {
        operationId: 'renewPass',
        summary: 'Renew a pass: a held order to pay, which extends the pass once issued',
        security: open,
        parameters: [passId, token, idem],
        requestBody: body(schema(PassRenewalInput)),
        responses: { '201': answer('the held renewal order', ref('OrderView')), ...errors },
      },
    },
    '/v1/passes/{passId}/photo': {
      put: {
        operationId: 'putPassPhoto',
        summary: 'The holder’s photo (JPEG or PNG, base64, at most 256 KiB), stored sealed',
        security: open,
        parameters: [passId, token],
        requestBody: body({
          type: 'object',
          required: ['photo'],
          properties: { photo: { type: 'string', contentEncoding: 'base64' } },
        }),
        responses: { '200': answer('the pass'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/products/{productId}/pass': terms,
  };
}
