import type { ErrorTable } from '../errors.js';

/** Crowd forecast and price factors (issue 22). */
export const FORECAST_ERRORS = {
  // a price factor names a time slot the area does not have
  unknown_price_slot: 'input',
} as const satisfies ErrorTable;
