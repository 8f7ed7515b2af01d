import express, { Router, type Request, type Response } from 'express';
import { acceptNotice } from '../../core/orders/payment-notices.js';
import type { ProviderName } from '../../core/payments/gateway.js';
import type { AppContext } from '../context.js';

/**
 * Provider notifications, one door per provider. The raw body is kept because the
 * signature covers its exact bytes; nothing is written before it verifies (core does
 * that). The answer is the provider's own ack format, sent only after the books
 * committed: "received" for what was applied or already known, "send it again" for
 * everything refused, so the provider keeps retrying what the books did not take.
 */
export function paymentsRouter(ctx: AppContext): Router {
  const r = Router();
  const raw = express.raw({ type: '*/*', limit: '64kb' });
  const door = (provider: ProviderName) => async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { ack } = await acceptNotice(ctx.platform.orders, provider, req.headers, body);
    res.status(ack.status).type(ack.contentType).send(ack.body);
  };
  r.post('/callback/wechat', raw, door('wechat'));
  r.post('/callback/alipay', raw, door('alipay'));
  return r;
}
