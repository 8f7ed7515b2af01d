import express, { Router } from 'express';
import { notFound } from '../../core/errors.js';
import { recordPayment } from '../../core/orders/payment.js';
import type { AppContext } from '../context.js';

/**
 * Provider callbacks. The raw body is kept because the signature covers its exact
 * bytes. The answer only tells the provider "received"; replays are harmless.
 */
export function paymentsRouter(ctx: AppContext): Router {
  const r = Router();
  r.post('/callback/:provider', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    const p = ctx.platform;
    if (req.params.provider !== p.gateway.provider)
      throw notFound('unknown_provider', `no payment provider ${req.params.provider}`);
    const notice = p.gateway.parseCallback(
      req.headers,
      Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    );
    const { outcome } = await recordPayment(p.orders, notice);
    res.json({ received: true, outcome });
  });
  return r;
}
