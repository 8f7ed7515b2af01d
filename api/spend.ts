import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { inputError } from '../core/errors.js';
import { accountByMemberNo } from '../core/members/accounts.js';
import {
  authenticateMerchant,
  listMerchants,
  MerchantInput,
  registerMerchant,
  retireMerchant,
  rotateMerchantKey,
  type MerchantActor,
} from '../core/spend/merchants.js';
import {
  getSale,
  MerchantSaleRef,
  recordSale,
  RefundInput,
  refundSale,
  SaleInput,
} from '../core/spend/sales.js';
import { spendOf, spendReport } from '../core/spend/insight.js';
import { actorOf, allow, areaParam, type AppContext } from './context.js';
import type { Feature } from './features.js';
import { signedRequest } from './partner-auth.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaParams = z.object({ areaId: slug });
const MerchantParams = z.object({ areaId: slug, merchantId: z.string().max(64) });

/**
 * Second spend (issue 22, core/spend). Merchants of an area, signed exactly like partners
 * (the same verifier and middleware, api/partner-auth.ts; any partner client signs):
 *   POST /merchant/v1/sales                   post a sale (idempotent by `saleId`)
 *   GET  /merchant/v1/sales/:saleId           one of the merchant's sales
 *   POST /merchant/v1/sales/:saleId/refunds   a refund, or (no amount) a void
 * The area's manager (`areas.configure`, area-scoped, audited):
 *   GET|POST /v1/admin/areas/:areaId/merchants                     list, register (secret shown once)
 *   POST     /v1/admin/areas/:areaId/merchants/:merchantId/key     a new key (the old one stops)
 *   DELETE   /v1/admin/areas/:areaId/merchants/:merchantId         retire
 * and reads (`reports.read`):
 *   GET /v1/admin/areas/:areaId/spend/report?from&to                totals by category and day, nothing-inside, bands
 *   GET /v1/admin/areas/:areaId/spend?ticketId|orderId|memberNo     spend inside of one ticket, order, member
 */
export function merchantRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  r.use(
    signedRequest((_req, signed) =>
      authenticateMerchant(p.db, p.redis, p.vault, signed, p.clock.now().getTime()),
    ),
  );
  const merchant = (res: Response) => res.locals.actor as MerchantActor;

  r.post('/sales', async (req, res) => {
    const input = parseInput(SaleInput, req.body);
    const m = merchant(res);
    const area = await p.catalog.area(m.areaId);
    const out = await recordSale(p.db, m, area.timezone, input, p.clock.now());
    res.status(out.status).json(out.sale);
  });
  r.get('/sales/:saleId', async (req, res) => {
    const { saleId } = parseInput(z.object({ saleId: MerchantSaleRef }), req.params);
    res.json(await getSale(p.db, merchant(res), saleId));
  });
  r.post('/sales/:saleId/refunds', async (req, res) => {
    const { saleId } = parseInput(z.object({ saleId: MerchantSaleRef }), req.params);
    const input = parseInput(RefundInput, req.body);
    const out = await refundSale(p.db, merchant(res), saleId, input, p.clock.now());
    res.status(out.status).json(out.sale);
  });
  return r;
}

export function spendAdminRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const manage = allow(ctx, 'areas.configure', areaParam());
  const read = allow(ctx, 'reports.read', areaParam());

  r.get('/areas/:areaId/merchants', manage, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    res.json({ items: await listMerchants(p.db, areaId) });
  });
  r.post('/areas/:areaId/merchants', manage, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const input = parseInput(MerchantInput, req.body);
    await p.catalog.area(areaId);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await registerMerchant(p.db, p.vault, actorOf(res), areaId, input, p.clock.now()));
  });
  r.post('/areas/:areaId/merchants/:merchantId/key', manage, async (req, res) => {
    const { areaId, merchantId } = parseInput(MerchantParams, req.params);
    res.setHeader('cache-control', 'no-store');
    res
      .status(201)
      .json(await rotateMerchantKey(p.db, p.vault, actorOf(res), areaId, merchantId, p.clock.now()));
  });
  r.delete('/areas/:areaId/merchants/:merchantId', manage, async (req, res) => {
    const { areaId, merchantId } = parseInput(MerchantParams, req.params);
    await retireMerchant(p.db, actorOf(res), areaId, merchantId, p.clock.now());
    res.status(204).end();
  });

  r.get('/areas/:areaId/spend/report', read, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const { from, to } = parseInput(
      z
        .object({ from: z.iso.date(), to: z.iso.date() })
        .refine((q) => q.from <= q.to, { path: ['to'], message: 'on or after from' })
        .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, {
          path: ['to'],
          message: 'at most a year',
        }),
      req.query,
    );
    await p.catalog.area(areaId);
    res.json(await spendReport(p.db, areaId, from, to));
  });
  r.get('/areas/:areaId/spend', read, async (req, res) => {
    const { areaId } = parseInput(AreaParams, req.params);
    const q = parseInput(
      z
        .object({
          ticketId: z.uuid().optional(),
          orderId: z.uuid().optional(),
          memberNo: z
            .string()
            .regex(/^M\d{12}$/)
            .optional(),
        })
        .strict()
        .refine((v) => [v.ticketId, v.orderId, v.memberNo].filter(Boolean).length === 1, {
          path: ['ticketId'],
          message: 'exactly one of ticketId, orderId, memberNo',
        }),
      req.query,
    );
    if (q.memberNo) {
      const a = await accountByMemberNo(p.db, q.memberNo);
      if (!a)
        throw inputError('unknown_member', `no member ${q.memberNo}`, [
          { path: 'memberNo', message: 'unknown' },
        ]);
      res.json({ areaId, memberNo: q.memberNo, ...(await spendOf(p.db, areaId, { accountId: a.id })) });
    } else if (q.ticketId)
      res.json({ areaId, ticketId: q.ticketId, ...(await spendOf(p.db, areaId, { ticketId: q.ticketId })) });
    else res.json({ areaId, orderId: q.orderId, ...(await spendOf(p.db, areaId, { orderId: q.orderId! })) });
  });
  return r;
}

export const spendFeature: Feature = {
  name: 'spend',
  early: (app, ctx) => app.use('/merchant/v1', merchantRouter(ctx)),
  routes: (app, ctx) => app.use('/v1/admin', spendAdminRouter(ctx)),
};
