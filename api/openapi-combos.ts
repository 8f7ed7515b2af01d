import { ComponentDefinition, ComponentRefundInput, ScanPointDefinition } from '../core/combos/inputs.js';
import {
  adminOp,
  answer,
  areaId,
  idem,
  inPath,
  inQuery,
  isoDate,
  openOp,
  operation,
  schema,
  slugId,
  uuid,
} from './openapi-kit.js';

/**
 * Combo components (a bus departure, a show seat, a meal): their schedules and capacity,
 * the seats left, their scan points, refunds of unused ones and their figures (issue 18,
 * core/combos; docs/combos.md).
 */
export function comboPaths(): Record<string, unknown> {
  const componentId = inPath('componentId', slugId, 'the component');
  return {
    '/v1/areas/{areaId}/combo-availability': {
      get: openOp('getComboAvailability', {
        summary: "The area's combo components on a day, each session with its seats left",
        parameters: [areaId, inQuery('date', isoDate, 'visit date', true)],
        responses: { '200': answer('components and sessions') },
      }),
    },
    '/v1/orders/{id}/component-refunds': {
      post: operation('refundComponents', {
        summary: 'Refund unused combo components under the product policy (a used one is not refundable)',
        description: 'With the order token (X-Order-Token), or staff with orders.refund-any.',
        parameters: [inPath('id', uuid, 'the order'), idem],
        input: schema(ComponentRefundInput),
        responses: { '201': answer('the refund booked and the order') },
      }),
    },
    '/v1/admin/areas/{areaId}/combo-components': {
      get: adminOp('listComboComponents', {
        summary: "The area's combo components, their sessions and scan points",
        parameters: [areaId],
        responses: { '200': answer('the components') },
      }),
    },
    '/v1/admin/areas/{areaId}/combo-components/{componentId}': {
      put: adminOp('putComboComponent', {
        summary: 'Declare a component: the combo products it belongs to, its value and daily sessions',
        parameters: [areaId, componentId],
        input: schema(ComponentDefinition),
        responses: { '200': answer('the component') },
      }),
    },
    '/v1/admin/areas/{areaId}/combo-scan-points/{gateId}': {
      put: adminOp('putComboScanPoint', {
        summary: "Give a registered gate device the role of one component's door",
        description: 'Its precheck and journal then redeem that component only, never an area entry.',
        parameters: [areaId, inPath('gateId', slugId, 'the gate device')],
        input: schema(ScanPointDefinition),
        responses: { '200': answer('the scan point') },
      }),
    },
    '/v1/admin/areas/{areaId}/combo-report': {
      get: adminOp('getComboReport', {
        summary: 'Seats sold, redeemed, refunded and open per component session, with their value',
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first visit date', true),
          inQuery('to', isoDate, 'last visit date', true),
        ],
        responses: { '200': answer('the figures') },
      }),
    },
  };
}
