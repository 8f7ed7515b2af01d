import { JointOrderInput, JointProductDefinition, SupplierDefinition } from '../core/joint/inputs.js';
import {
  adminOp,
  answer,
  csv,
  idem,
  inPath,
  inQuery,
  isoDate,
  openOp,
  schema,
  slugId,
} from './openapi-kit.js';

/**
 * Joint tickets valid at several areas, the suppliers of packages, and settlement statements per
 * party (issue 18, core/joint and core/settlement).
 */
export function jointPaths(): Record<string, unknown> {
  const id = inPath('id', slugId);
  return {
    '/v1/joint-products': {
      get: openOp('listJointProducts', {
        summary: 'The joint products on sale: each valid at several areas',
        responses: { '200': answer('the joint products') },
      }),
    },
    '/v1/joint-orders': {
      post: openOp('placeJointOrder', {
        summary: 'Hold a joint order: stock at every area, all or none',
        description:
          'Areas are reserved one by one in id order; a refusal gives back the areas already taken.',
        parameters: [idem],
        input: schema(JointOrderInput),
        responses: { '201': answer('the held order, one ticket per visitor per area') },
      }),
    },
    '/v1/admin/suppliers': {
      get: adminOp('listSuppliers', {
        summary: 'The suppliers of packages',
        responses: { '200': answer('the suppliers') },
      }),
    },
    '/v1/admin/suppliers/{id}': {
      put: adminOp('putSupplier', {
        summary: 'Declare a supplier (a party with its own share of package sales)',
        parameters: [id],
        input: schema(SupplierDefinition),
        responses: { '200': answer('the supplier') },
      }),
    },
    '/v1/admin/joint-products': {
      get: adminOp('listJointProductsAdmin', {
        summary: 'The joint products, active and retired',
        responses: { '200': answer('the joint products') },
      }),
    },
    '/v1/admin/joint-products/{id}': {
      put: adminOp('putJointProduct', {
        summary: 'Declare a joint product: its areas, their slots and shares, its suppliers',
        description: 'Shares of areas and suppliers add up to 10000 bps.',
        parameters: [id],
        input: schema(JointProductDefinition),
        responses: { '200': answer('the joint product') },
      }),
    },
    '/v1/admin/settlement': {
      get: adminOp('getSettlement', {
        summary: 'Statements per party (areas, suppliers, selling channels) that sum to the money taken',
        parameters: [
          inQuery('from', isoDate, 'first day', true),
          inQuery('to', isoDate, 'last day', true),
          inQuery('timezone', { type: 'string' }, 'the days’ time zone'),
          inQuery('party', { type: 'string' }, 'one party only'),
          inQuery('format', { type: 'string', enum: ['json', 'csv'] }),
        ],
        responses: { '200': csv('the statements') },
      }),
    },
  };
}
