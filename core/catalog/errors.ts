import type { ErrorTable } from '../errors.js';

/** Areas and sales channels that do not exist. */
export const CATALOG_ERRORS = {
  unknown_area: 'not-found',
  area_not_found: 'not-found',
  // 404 when looked up by id; 400 naming the field when an order names it (core/orders/place.ts)
  unknown_channel: ['not-found', 'input'],
} as const satisfies ErrorTable;
