import { BoundsInput, PinFactorInput } from '../core/forecast/guard-rails.js';
import {
  answer,
  areaId,
  body,
  errors,
  inPath,
  inQuery,
  isoDate,
  schema,
  slugId,
  staff,
} from './openapi-kit.js';

/** Crowd-forecast pricing's guard rails and explanations (issue 22, api/pricing.ts, core/forecast). */
export function pricingPaths(): Record<string, unknown> {
  const date = inPath('date', isoDate, 'the visit date');
  const slotId = inPath('slotId', slugId, 'the time slot');
  return {
    '/v1/admin/areas/{areaId}/pricing': {
      get: {
        operationId: 'listDynamicPricing',
        summary: "Every product's dynamic-pricing bounds (floor, ceiling, on or off) and base price",
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('the products’ bounds'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/products/{productId}/dynamic-pricing': {
      put: {
        operationId: 'putDynamicPricing',
        summary: "Set a product's dynamic-pricing bounds, or turn it off (audited)",
        description:
          'Price = base × the slot’s crowd factor, held within [floor, ceiling]; the floor may not exceed ' +
          'the base price nor the ceiling fall below it. Off by default.',
        security: staff,
        parameters: [areaId, inPath('productId', slugId, 'the product')],
        requestBody: body(schema(BoundsInput)),
        responses: { '200': answer('the product’s bounds, before and after in the audit trail'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/price-factors': {
      get: {
        operationId: 'listPriceFactors',
        summary: 'The crowd factors in force per day and slot, and who set each (forecast or manager)',
        security: staff,
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first day', true),
          inQuery('to', isoDate, 'the day after the last', true),
        ],
        responses: { '200': answer('the factors'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/price-factors/{date}/{slotId}': {
      put: {
        operationId: 'pinPriceFactor',
        summary:
          'Pin a slot-day’s crowd factor by hand (the forecast leaves it alone until unpinned; audited)',
        security: staff,
        parameters: [areaId, date, slotId],
        requestBody: body(schema(PinFactorInput)),
        responses: { '200': answer('the pinned factor'), ...errors },
      },
      delete: {
        operationId: 'unpinPriceFactor',
        summary: 'Lift a pin: the slot-day returns to the factor its forecast suggests (audited)',
        security: staff,
        parameters: [areaId, date, slotId],
        responses: { '200': answer('the factor now in force, or null'), ...errors },
      },
    },
    '/v1/admin/areas/{areaId}/forecast': {
      get: {
        operationId: 'getCrowdForecast',
        summary:
          'The crowd forecast per day and slot with what explains it, its backtest error, and the prices it makes',
        security: staff,
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first day (default: today in the area)'),
          inQuery('days', { type: 'integer', minimum: 1, maximum: 60 }, 'how many days (default 7)'),
        ],
        responses: {
          '200': answer('slot by slot: forecast, factors, error, factor in force, unit prices'),
          ...errors,
        },
      },
    },
    '/v1/admin/areas/{areaId}/forecast/refresh': {
      post: {
        operationId: 'refreshCrowdForecast',
        summary:
          'Recompute the area’s forecast and factors now (the worker does it daily and after bookings change)',
        security: staff,
        parameters: [areaId],
        responses: { '200': answer('forecasts stored, factors changed, the backtest error'), ...errors },
      },
    },
  };
}
