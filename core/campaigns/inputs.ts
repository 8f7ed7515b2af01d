import { z } from 'zod';
import { Phone } from '../orders/inputs.js';

/** Inputs of the campaign routes that are not a campaign or its settings (api/campaigns.ts). */
export const MiniProgramInput = z
  .object({
    /** the member's openid in the mini-program (from wx.login, exchanged by the mini-program's server) */
    openid: z.string().regex(/^[0-9A-Za-z_-]{6,128}$/, 'a WeChat openid'),
  })
  .strict();

export const UnsubscribeQuery = z.object({
  m: z.string().regex(/^M\d{12}$/),
  t: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

/** The SMS provider's inbound-reply callback, as the provider bridge posts it. */
export const SmsReplyInput = z.object({ from: Phone, text: z.string().max(500) });
