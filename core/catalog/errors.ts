import type { ErrorTable } from '../errors.js';

/** Areas and sales channels that do not exist; fields declared elsewhere. */
export const CATALOG_ERRORS = {
  unknown_area: 'not-found',
  area_not_found: 'not-found',
  // 404 when looked up by id; 400 naming the field when an order names it (core/orders/place.ts)
  unknown_channel: ['not-found', 'input'],
  // ADR 0010: a field a ScenicArea declares is changed there, not through the API
  field_declared_by_resource: 'conflict',
  // what the operator passed on from a ScenicArea's spec does not fit the catalog
  invalid_declaration: 'input',
  area_binding_not_found: 'not-found',
  // the console's product list (core/catalog/products.ts): ids are per area, never reused
  product_not_found: 'not-found',
  product_exists: 'conflict',
} as const satisfies ErrorTable;
