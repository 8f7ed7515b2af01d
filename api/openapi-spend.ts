import { MerchantInput } from '../core/spend/merchants.js';
import { RefundInput, SaleInput } from '../core/spend/sales.js';
import {
  answer,
  areaId,
  body,
  errors,
  inPath,
  inQuery,
  isoDate,
  noContent,
  schema,
  staff,
  uuid,
} from './openapi-kit.js';

/** Merchants sign like partners: the same scheme (components.securitySchemes.partnerSignature), keys `mk_…`. */
const signed = [{ partnerSignature: [] }];
const merchantId = inPath('merchantId', { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,40}$' });
const saleId = inPath(
  'saleId',
  { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
  "the merchant's own sale id",
);

const sale = {
  type: 'object',
  required: ['id', 'merchantId', 'saleId', 'areaId', 'category', 'amount', 'refunded', 'net', 'status', 'at'],
  properties: {
    id: uuid,
    merchantId: { type: 'string' },
    saleId: { type: 'string' },
    areaId: { type: 'string' },
    category: { type: 'string', enum: ['shop', 'restaurant', 'parking'] },
    amount: { type: 'integer', description: 'fen' },
    refunded: { type: 'integer' },
    net: { type: 'integer' },
    status: { type: 'string', enum: ['recorded', 'voided'] },
    at: { type: 'string', format: 'date-time' },
    ticketId: { type: ['string', 'null'], format: 'uuid' },
    orderId: { type: ['string', 'null'], format: 'uuid' },
    member: { type: 'boolean', description: 'a member bought (never which one)' },
  },
};
const credential = answer('the merchant and its key; the secret is shown this once and kept only sealed', {
  type: 'object',
  required: ['merchant', 'keyId', 'secret', 'signing', 'endpoint'],
  properties: {
    merchant: { type: 'object' },
    keyId: { type: 'string', pattern: '^mk_' },
    secret: { type: 'string' },
    signing: { type: 'string', const: 'SCENIC-HMAC-SHA256' },
    endpoint: { type: 'string' },
  },
});
const summary = {
  type: 'object',
  properties: {
    net: { type: 'integer' },
    sales: { type: 'integer' },
    byCategory: { type: 'object' },
    band: { type: 'string', enum: ['none', 'low', 'mid', 'high'] },
  },
};

/** Second spend (issue 22, api/spend.ts): merchants' signed sales, their registration, the insight. */
export function spendPaths(): Record<string, unknown> {
  return {
    '/merchant/v1/sales': {
      post: {
        operationId: 'merchantPostSale',
        summary: 'Post a sale of a shop, restaurant or car park inside the area',
        description:
          'Signed like partner requests (SCENIC-HMAC-SHA256 v2, nonce, ±300 s; key `mk_…`). Names a ticket (id or code) ' +
          'of the merchant’s own area (`ticket_other_area` otherwise) or a member number, or both. Idempotent by `saleId`: ' +
          'the same body again answers 200 with the first sale; another body is `merchant_sale_id_reused`.',
        security: signed,
        requestBody: body(schema(SaleInput)),
        responses: {
          '201': answer('the sale', sale),
          '200': answer('the sale, posted before with this body', sale),
          '415': errors['400'],
          ...errors,
        },
      },
    },
    '/merchant/v1/sales/{saleId}': {
      get: {
        operationId: 'merchantGetSale',
        summary: 'One of the merchant’s sales',
        security: signed,
        parameters: [saleId],
        responses: { '200': answer('the sale', sale), ...errors },
      },
    },
    '/merchant/v1/sales/{saleId}/refunds': {
      post: {
        operationId: 'merchantRefundSale',
        summary: 'Refund part of a sale, or void it (no amount); idempotent by refundId',
        security: signed,
        parameters: [saleId],
        requestBody: body(schema(RefundInput)),
        responses: {
          '201': answer('the sale after the refund', sale),
          '200': answer('the sale, refunded before with this body', sale),
          '415': errors['400'],
          ...errors,
        },
      },
    },
    '/v1/admin/areas/{areaId}/merchants': {
      get: {
        operationId: 'listMerchants',
        summary: 'The merchants of an area (no secrets)',
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the merchants'), ...errors },
      },
      post: {
        operationId: 'registerMerchant',
        summary: 'Register a shop, restaurant or car park of the area, with its signing key (audited)',
        security: staff,
        parameters: [areaId],
        requestBody: body(schema(MerchantInput)),
        responses: { '201': credential, ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/merchants/{merchantId}/key': {
      post: {
        operationId: 'rotateMerchantKey',
        summary: 'A new key for the merchant; the old one stops at once (audited)',
        security: staff,
        parameters: [areaId, merchantId],
        responses: { '201': credential, ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/merchants/{merchantId}': {
      delete: {
        operationId: 'retireMerchant',
        summary: 'Retire a merchant: its requests are refused, its sales stay (audited)',
        security: staff,
        parameters: [areaId, merchantId],
        responses: { '204': noContent('retired'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/spend/report': {
      get: {
        operationId: 'spendReport',
        summary: 'Spend inside the area by day and category; entered orders that spent nothing inside; bands',
        security: staff,
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first local day', true),
          inQuery('to', isoDate, 'last local day (at most a year after from)', true),
        ],
        responses: { '200': answer('the report'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/spend': {
      get: {
        operationId: 'spendOf',
        summary: 'Spend inside the area of one ticket, order or member (exactly one of the three)',
        security: staff,
        parameters: [
          areaId,
          inQuery('ticketId', uuid),
          inQuery('orderId', uuid),
          inQuery('memberNo', { type: 'string', pattern: '^M\\d{12}$' }),
        ],
        responses: { '200': answer('net spend, sales, by category, band', summary), ...errors },
      },
    },
  };
}
