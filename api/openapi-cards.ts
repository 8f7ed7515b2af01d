import { BindCardInput } from '../core/cards/cards.js';
import { answer, body, errors, inPath, schema, staff, uuid } from './openapi-kit.js';

/**
 * NFC/IC cards bound to tickets (core/cards, issue 18), at the box office and at the
 * customer-service desk of the console (`tickets.card`, within the caller's areas). A
 * refund takes the card off by itself.
 */
const binding = {
  type: 'object',
  required: ['ticketId', 'card'],
  properties: {
    ticketId: { type: 'string', format: 'uuid' },
    card: {
      type: ['string', 'null'],
      description: 'the card UID masked (its last four hex digits); null: none',
    },
  },
};

function cardPaths(prefix: string, tag: string): Record<string, unknown> {
  const parameters = [inPath('id', uuid, 'the order'), inPath('ticketId', uuid, 'a ticket of that order')];
  return {
    [`${prefix}/orders/{id}/tickets/{ticketId}/card`]: {
      post: {
        operationId: `${tag}BindCard`,
        summary: 'Bind an NFC/IC card to a valid ticket: the gate then admits it by a tap',
        security: staff,
        parameters,
        requestBody: body(schema(BindCardInput)),
        responses: { '200': answer('bound', binding), ...errors },
      },
      delete: {
        operationId: `${tag}UnbindCard`,
        summary: 'Take the card off the ticket',
        security: staff,
        parameters,
        responses: { '200': answer('unbound', binding), ...errors },
      },
    },
  };
}

/** Every path of this file. */
export function cardOpenApiPaths(): Record<string, unknown> {
  return { ...cardPaths('/v1/box-office', 'boxOffice'), ...cardPaths('/v1/cs', 'desk') };
}
