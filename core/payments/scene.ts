import { paymentError } from './errors.js';
import type { PaymentScene, ProviderName } from './gateway.js';

/** The payer's device, as the caller tells it (the router reads the User-Agent when it does not). */
export type PayerDevice = 'mobile' | 'desktop';

/**
 * How a visitor pays, from the channel that sells and the payer's device — never a
 * choice the client makes on its own:
 *
 * | channel                         | WeChat Pay         | Alipay                 |
 * | ------------------------------- | ------------------ | ---------------------- |
 * | on-site (box office, kiosk, …)  | native (QR)        | precreate (QR)         |
 * | the mini-program (`mini`)       | jsapi (openid)     | — (not in WeChat)      |
 * | web, mobile browser             | h5 (redirect)      | wap (redirect)         |
 * | web, desktop browser            | native (QR)        | page (redirect)        |
 */
export function chooseScene(
  provider: ProviderName,
  channel: { id: string; kind: 'online' | 'onsite' },
  device: PayerDevice,
): PaymentScene {
  if (channel.kind === 'onsite') return provider === 'wechat' ? 'native' : 'precreate';
  if (channel.id === 'mini') {
    if (provider === 'wechat') return 'jsapi';
    throw paymentError('invalid_payment_request', 'the mini-program pays with WeChat Pay only');
  }
  if (provider === 'wechat') return device === 'mobile' ? 'h5' : 'native';
  return device === 'mobile' ? 'wap' : 'page';
}

/** A browser's User-Agent says it is a phone or tablet. */
export const isMobileAgent = (ua: string | undefined) =>
  !!ua && /Mobi|Android|iPhone|iPad|HarmonyOS|MicroMessenger/i.test(ua);
