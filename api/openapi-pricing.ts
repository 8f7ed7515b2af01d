import { BoundsInput, PinFactorInput } from '../core/forecast/guard-rails.js';
import { adminOp, answer, areaId, inPath, inQuery, isoDate, schema, slugId } from './openapi-kit.js';

/** Crowd-forecast pricing's guard rails and explanations (issue 22, api/pricing.ts, core/forecast). */
export function pricingPaths(): Record<string, unknown> {
  const date = inPath('date', isoDate, 'the visit date');
  const slotId = inPath('slotId', slugId, 'the time slot');
  return {
    '/v1/admin/areas/{areaId}/pricing': {
      get: adminOp('listDynamicPricing', {
        summary: "Every product's dynamic-pricing bounds (floor, ceiling, on or off) and base price",
        parameters: [areaId],
        responses: { '200': answer('the products’ bounds') },
      }),
    },
    '/v1/admin/areas/{areaId}/products/{productId}/dynamic-pricing': {
      put: adminOp('putDynamicPricing', {
        summary: "Set a product's dynamic-pricing bounds, or turn it off (audited)",
        description:
          'Price = base × the slot’s crowd factor, held within [floor, ceiling]; the floor may not exceed ' +
          'the base price nor the ceiling fall below it. Off by default.',
        parameters: [areaId, inPath('productId', slugId, 'the product')],
        input: schema(BoundsInput),
        responses: { '200': answer('the product’s bounds, before and after in the audit trail') },
      }),
    },
    '/v1/admin/areas/{areaId}/price-factors': {
      get: adminOp('listPriceFactors', {
        summary: 'The crowd factors in force per day and slot, and who set each (forecast or manager)',
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first day', true),
          inQuery('to', isoDate, 'the day after the last', true),
        ],
        responses: { '200': answer('the factors') },
      }),
    },
    '/v1/admin/areas/{areaId}/price-factors/{date}/{slotId}': {
      put: adminOp('pinPriceFactor', {
        summary:
          'Pin a slot-day’s crowd factor by hand (the forecast leaves it alone until unpinned; audited)',
        parameters: [areaId, date, slotId],
        input: schema(PinFactorInput),
        responses: { '200': answer('the pinned factor') },
      }),
      delete: adminOp('unpinPriceFactor', {
        summary: 'Lift a pin: the slot-day returns to the factor its forecast suggests (audited)',
        parameters: [areaId, date, slotId],
        responses: { '200': answer('the factor now in force, or null') },
      }),
    },
    '/v1/admin/areas/{areaId}/forecast': {
      get: adminOp('getCrowdForecast', {
        summary:
          'The crowd forecast per day and slot with what explains it, its backtest error, and the prices it makes',
        parameters: [
          areaId,
          inQuery('from', isoDate, 'first day (default: today in the area)'),
          inQuery('days', { type: 'integer', minimum: 1, maximum: 60 }, 'how many days (default 7)'),
        ],
        responses: { '200': answer('slot by slot: forecast, factors, error, factor in force, unit prices') },
      }),
    },
    '/v1/admin/areas/{areaId}/forecast/refresh': {
      post: adminOp('refreshCrowdForecast', {
        summary:
          'Recompute the area’s forecast and factors now (the worker does it daily and after bookings change)',
        parameters: [areaId],
        responses: { '200': answer('forecasts stored, factors changed, the backtest error') },
      }),
    },
  };
}
