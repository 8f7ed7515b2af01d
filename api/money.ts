import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { listRefunds, retryRefund, settleCounterRefund, viewRefund } from '../core/orders/refunds.js';
import { reconcileDay } from '../core/payments/reconciliation.js';
import { reconciliationCsv, reconciliationReport, recordDecision } from '../core/payments/recon-report.js';
import { paymentError } from '../core/payments/errors.js';
import { PLATFORM, actorOf, allow, areaInQuery, ofRefund, type AppContext } from './context.js';
import type { Feature } from './features.js';

/**
 * Money for staff: refunds a cashier hands back at the counter (cash, card), refunds an
 * admin looks after (failed ones sent again), and reconciliation (对账) reports per
 * provider-day with finance's decisions on money taken without a payment in the books.
 * Parse, call core, serialise.
 */
const Id = z.object({ id: z.uuid() });
const Provider = z.enum(['wechat', 'alipay']);
const Day = z.object({ provider: Provider, date: z.iso.date() });
const Limit = z.coerce.number().int().min(1).max(500).default(100);
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

export const SettleRefundInput = z
  .object({
    reference: z.string().trim().min(1).max(64).optional().describe("the card terminal's refund reference"),
  })
  .strict();
export const DecisionInput = z
  .object({
    decision: z.enum(['refund', 'issue']),
    note: z.string().max(500).optional(),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .optional()
      .describe('the refund or the order it was settled with'),
  })
  .strict();

export function counterRefundsRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  r.get('/', allow(ctx, 'orders.refund', areaInQuery()), async (req, res) => {
    const q = parseInput(z.object({ areaId: slug.optional(), limit: Limit }), req.query);
    res.json({ items: await listRefunds(p.db, { status: 'awaiting_counter', ...q }) });
  });
  r.post('/:id/settle', allow(ctx, 'orders.refund', ofRefund()), async (req, res) => {
    const { id } = parseInput(Id, req.params);
    const input = parseInput(SettleRefundInput, req.body ?? {});
    res.json(await settleCounterRefund(p.orders, actorOf(res), id, input));
  });
  return r;
}

export function adminMoneyRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  // Refunds are an area's (the area of the order); reconciliation is per provider account,
  // which serves every area, so it is platform-wide.
  const reconcile = allow(ctx, 'payments.reconcile', PLATFORM);
  r.get('/refunds', allow(ctx, 'refunds.manage', areaInQuery()), async (req, res) => {
    const q = parseInput(
      z.object({
        status: z
          .enum(['pending', 'processing', 'failed', 'awaiting_counter', 'succeeded'])
          .default('failed'),
        areaId: slug.optional(),
        limit: Limit,
      }),
      req.query,
    );
    res.json({ items: await listRefunds(p.db, q) });
  });
  r.get('/refunds/:id', allow(ctx, 'refunds.manage', ofRefund()), async (req, res) => {
    res.json(await viewRefund(p.db, parseInput(Id, req.params).id));
  });
  r.post('/refunds/:id/retry', allow(ctx, 'refunds.manage', ofRefund()), async (req, res) => {
    res.json(await retryRefund(p.orders, actorOf(res), parseInput(Id, req.params).id));
  });
  r.get('/reconciliation/:provider/:date', reconcile, async (req, res) => {
    const q = parseInput(Day, req.params);
    const { format } = parseInput(z.object({ format: z.enum(['json', 'csv']).optional() }), req.query);
    const report = await reconciliationReport(p.db, q.provider, q.date);
    res.setHeader('cache-control', 'no-store');
    if (format === 'csv' || (!format && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.setHeader(
        'content-disposition',
        `attachment; filename="scenic-reconciliation-${q.provider}-${q.date}.csv"`,
      );
      res.type('text/csv; charset=utf-8').send(reconciliationCsv(report));
    } else res.json(report);
  });
  r.post('/reconciliation/:provider/:date/run', reconcile, async (req, res) => {
    const q = parseInput(Day, req.params);
    const gw = p.payments.get(q.provider);
    if (!gw) throw paymentError('unknown_provider', `${q.provider} is not configured here`);
    await reconcileDay(p.db, gw, q.date, p.clock);
    res.json(await reconciliationReport(p.db, q.provider, q.date));
  });
  r.put('/reconciliation-decisions/:provider/:outTradeNo', reconcile, async (req, res) => {
    const { provider, outTradeNo } = parseInput(
      z.object({ provider: Provider, outTradeNo: z.string().regex(/^[0-9A-Za-z_\-|*]{1,64}$/) }),
      req.params,
    );
    const input = parseInput(DecisionInput, req.body);
    res.json(await recordDecision(p.db, actorOf(res), provider, outTradeNo, input, p.clock.now()));
  });
  return r;
}

export const moneyFeature: Feature = {
  name: 'money',
  routes: (app, ctx) => {
    app.use('/v1/box-office/refunds', counterRefundsRouter(ctx));
    app.use('/v1/admin', adminMoneyRouter(ctx));
  },
};
