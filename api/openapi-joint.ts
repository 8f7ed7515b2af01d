import { JointOrderInput, JointProductDefinition, SupplierDefinition } from '../core/joint/inputs.js';
import {
  answer,
  body,
  csv,
  errors,
  idem,
  inPath,
  inQuery,
  isoDate,
  open,
  schema,
  slugId,
  staff,
} from './openapi-kit.js';

/**
 * Joint tickets valid at several areas, the suppliers of packages, and settlement statements per
 * party (issue 18, core/joint and core/settlement).
 */
export function jointPaths(): Record<string, unknown> {
  const id = inPath('id', slugId);
  return {
    '/v1/joint-products': {
      get: {
        operationId: 'listJointProducts',
        summary: 'The joint products on sale: each valid at several areas',
        security: open,
        responses: { '200': answer('the joint products'), ...errors },
      },
    },
    '/v1/joint-orders': {
      post: {
        operationId: 'placeJointOrder',
        summary: 'Hold a joint order: stock at every area, all or none',
        description:
          'Areas are reserved one by one in id order; a refusal gives back the areas already taken.',
        security: open,
        parameters: [idem],
        requestBody: body(schema(JointOrderInput)),
        responses: { '201': answer('the held order, one ticket per visitor per area'), ...errors },
      },
    },
    '/v1/admin/suppliers': {
      get: {
        operationId: 'listSuppliers',
        summary: 'The suppliers of packages',
        security: staff,
        responses: { '200': answer('the suppliers'), ...errors },
      },
    },
    '/v1/admin/suppliers/{id}': {
      put: {
        operationId: 'putSupplier',
        summary: 'Declare a supplier (a party with its own share of package sales)',
        security: staff,
        parameters: [id],
        requestBody: body(schema(SupplierDefinition)),
        responses: { '200': answer('the supplier'), ...errors },
      },
    },
    '/v1/admin/joint-products': {
      get: {
        operationId: 'listJointProductsAdmin',
        summary: 'The joint products, active and retired',
        security: staff,
        responses: { '200': answer('the joint products'), ...errors },
      },
    },
    '/v1/admin/joint-products/{id}': {
      put: {
        operationId: 'putJointProduct',
        summary: 'Declare a joint product: its areas, their slots and shares, its suppliers',
        description: 'Shares of areas and suppliers add up to 10000 bps.',
        security: staff,
        parameters: [id],
        requestBody: body(schema(JointProductDefinition)),
        responses: { '200': answer('the joint product'), ...errors },
      },
    },
    '/v1/admin/settlement': {
      get: {
        operationId: 'getSettlement',
        summary: 'Statements per party (areas, suppliers, selling channels) that sum to the money taken',
        security: staff,
        parameters: [
          inQuery('from', isoDate, 'first day', true),
          inQuery('to', isoDate, 'last day', true),
          inQuery('timezone', { type: 'string' }, 'the days’ time zone'),
          inQuery('party', { type: 'string' }, 'one party only'),
          inQuery('format', { type: 'string', enum: ['json', 'csv'] }),
        ],
        responses: { '200': csv('the statements'), ...errors },
      },
    },
  };
}
