import type { ErrorTable } from '../errors.js';

/** Second spend: the merchants of an area and the sales they post (issue 22). */
export const SPEND_ERRORS = {
  merchant_not_found: 'not-found',
  // a merchant id names one merchant of one area, active or retired
  merchant_exists: 'conflict',
  // a merchant inside one area cannot claim the visitors of another
  ticket_other_area: 'input',
  // the merchant's sale id was used with another body
  merchant_sale_id_reused: 'conflict',
  merchant_refund_id_reused: 'conflict',
  sale_not_found: 'not-found',
  // more refunded than the sale's amount, or a voided sale refunded again
  refund_exceeds_sale: 'conflict',
  sale_voided: 'conflict',
  // the sale's time is in the future or too old to be a sale of a visit
  sale_time_out_of_range: 'input',
} as const satisfies ErrorTable;
