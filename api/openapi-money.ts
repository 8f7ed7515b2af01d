import { DecisionInput, SettleRefundInput } from './money.js';
import {
  answer,
  body,
  csv,
  errors,
  inPath,
  inQuery,
  isoDate,
  ref,
  schema,
  slugId,
  staff,
  uuid,
} from './openapi-kit.js';

/**
 * The money paths for staff (api/money.ts): refunds at the counter, failed refunds an
 * admin sends again, reconciliation reports and finance's decisions. Merged into
 * api/openapi.ts.
 */
const items = (s: unknown) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: s } },
});
const provider = inPath('provider', { type: 'string', enum: ['wechat', 'alipay'] });
const limit = inQuery('limit', { type: 'integer', minimum: 1, maximum: 500, default: 100 });
const refundId = inPath('id', uuid, 'the refund');

const decision = {
  type: ['object', 'null'],
  properties: {
    decision: { type: 'string', enum: ['refund', 'issue'] },
    note: { type: ['string', 'null'] },
    reference: { type: ['string', 'null'] },
    decidedBy: { type: 'string' },
    decidedAt: { type: 'string', format: 'date-time' },
  },
};

const report = {
  type: 'object',
  required: ['provider', 'date', 'ranAt', 'totals', 'discrepancies', 'undecided', 'items'],
  properties: {
    provider: { type: 'string', enum: ['wechat', 'alipay'] },
    date: isoDate,
    ranAt: { type: 'string', format: 'date-time' },
    lines: { type: 'integer', description: "lines in the provider's file" },
    totals: {
      type: 'object',
      description: 'per class: items and fen (the provider’s amount where there is one)',
      additionalProperties: {
        type: 'object',
        properties: { count: { type: 'integer' }, amount: { type: 'integer' } },
      },
    },
    statementTotals: { type: ['object', 'null'], description: "the file's own summary" },
    discrepancies: { type: 'integer', description: 'items of every class but matched and fee' },
    undecided: { type: 'integer', description: 'money taken with no payment in the books, not decided yet' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          class: {
            type: 'string',
            enum: [
              'matched',
              'missing_in_books',
              'missing_at_provider',
              'amount_mismatch',
              'refund_mismatch',
              'fee',
            ],
          },
          kind: { type: 'string', enum: ['payment', 'refund', 'fee'] },
          severity: { type: 'string', enum: ['critical', 'warning', 'info'] },
          outTradeNo: { type: 'string' },
          outRefundNo: { type: ['string', 'null'] },
          providerRef: { type: ['string', 'null'] },
          providerAmount: { type: ['integer', 'null'] },
          booksAmount: { type: ['integer', 'null'] },
          orderId: { type: ['string', 'null'] },
          paymentId: { type: ['string', 'null'] },
          refundId: { type: ['string', 'null'] },
          decision,
        },
      },
    },
  },
};

export function moneyPaths(): Record<string, unknown> {
  return {
    '/v1/box-office/refunds': {
      get: {
        operationId: 'counterRefunds',
        summary: 'Refunds of cash and card sales waiting for a cashier at the counter, oldest first',
        security: staff,
        parameters: [inQuery('areaId', slugId, 'only this area'), limit],
        responses: { '200': answer('refunds', items(ref('RefundView'))), ...errors },
      },
    },
    '/v1/box-office/refunds/{id}/settle': {
      post: {
        operationId: 'settleCounterRefund',
        summary: 'The cashier handed the money back (card: with the terminal reference); audited',
        security: staff,
        parameters: [refundId],
        requestBody: body(schema(SettleRefundInput), false),
        responses: { '200': answer('refund', ref('RefundView')), ...errors },
      },
    },
    '/v1/admin/refunds': {
      get: {
        operationId: 'listRefunds',
        summary: 'Refunds in one state (default `failed`: refused for good or out of attempts, alerted)',
        security: staff,
        parameters: [
          inQuery('status', {
            type: 'string',
            enum: ['pending', 'processing', 'failed', 'awaiting_counter', 'succeeded'],
            default: 'failed',
          }),
          inQuery('areaId', slugId),
          limit,
        ],
        responses: { '200': answer('refunds', items(ref('RefundView'))), ...errors },
      },
    },
    '/v1/admin/refunds/{id}': {
      get: {
        operationId: 'getRefund',
        summary: 'One refund: how it goes back, its attempts and last error',
        security: staff,
        parameters: [refundId],
        responses: { '200': answer('refund', ref('RefundView')), ...errors },
      },
    },
    '/v1/admin/refunds/{id}/retry': {
      post: {
        operationId: 'retryRefund',
        summary: "Send a failed provider refund again (after the provider's problem is fixed); audited",
        security: staff,
        parameters: [refundId],
        responses: { '200': answer('refund', ref('RefundView')), ...errors },
      },
    },
    '/v1/admin/reconciliation/{provider}/{date}': {
      get: {
        operationId: 'getReconciliation',
        summary:
          "A provider-day's reconciliation (对账) against the books: JSON, or CSV (`?format=csv` or Accept: text/csv)",
        description:
          'Every line of the provider’s statement and every payment and refund of the books that day, classified: matched, missing_in_books (critical: money taken with no payment; finance decides), missing_at_provider, amount_mismatch, refund_mismatch, fee. Amounts in fen. 404 before the day was reconciled.',
        security: staff,
        parameters: [
          provider,
          inPath('date', isoDate, 'the Beijing date'),
          inQuery('format', { type: 'string', enum: ['json', 'csv'] }),
        ],
        responses: {
          '200': {
            ...csv('the report'),
            content: { 'application/json': { schema: report }, 'text/csv': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/admin/reconciliation/{provider}/{date}/run': {
      post: {
        operationId: 'runReconciliation',
        summary: "Reconcile a provider-day now (again): the day's report is replaced, never duplicated",
        security: staff,
        parameters: [provider, inPath('date', isoDate, 'the Beijing date')],
        responses: { '200': answer('the report', report), ...errors },
      },
    },
    '/v1/admin/reconciliation-decisions/{provider}/{outTradeNo}': {
      put: {
        operationId: 'decideReconciliation',
        summary:
          "Finance's decision on money taken with no payment in the books: refund it or issue against it (audited)",
        security: staff,
        parameters: [
          provider,
          inPath('outTradeNo', { type: 'string', pattern: '^[0-9A-Za-z_\\-|*]{1,64}$' }),
        ],
        requestBody: body(schema(DecisionInput)),
        responses: { '200': answer('decision', decision), ...errors },
      },
    },
  };
}
