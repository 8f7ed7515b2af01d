/**
 * bench:paid's providers, in a process of their own (a provider is another machine): the
 * WeChat Pay and Alipay fakes of fakes/, with keys made at start. First stdout line: the
 * SCENIC_WECHAT_* / SCENIC_ALIPAY_* configuration as JSON. Then, for each stdin line
 * `<n> <wechat|alipay> <outTradeNo> <payUrl|->`, the payer pays and the fake sends its signed
 * (WeChat: AEAD_AES_256_GCM-encrypted) notification to the API; the answer line is
 * `<n> <acked 1|0> <HTTP status>` once the API has answered it (or the fake gave up).
 */
import { createInterface } from 'node:readline';
import { startAlipayFake } from '../fakes/alipay.js';
import { startWechatPayFake } from '../fakes/wechat-pay.js';

const wechat = await startWechatPayFake();
const alipay = await startAlipayFake();
// one attempt: a notification the API did not take is a failed paid order here, not a retry
wechat.notifier.retries = { attempts: 1, intervalMs: 0 };
alipay.notifier.retries = { attempts: 1, intervalMs: 0 };
process.stdout.write(`${JSON.stringify({ ...wechat.env(), ...alipay.env() })}\n`);

async function pay(provider: string, outTradeNo: string, payUrl: string) {
  if (provider === 'wechat') {
    const [d] = await wechat.pay(outTradeNo);
    return d ? `${d.status === 200 || d.status === 204 ? 1 : 0} ${d.status}` : '0 0';
  }
  // a page payment exists at Alipay once the payer's browser opens it
  if (!alipay.trades.has(outTradeNo) && payUrl !== '-') await fetch(payUrl).then((r) => r.arrayBuffer());
  const [d] = await alipay.pay(outTradeNo);
  return d ? `${d.answer === 'success' ? 1 : 0} ${d.status}` : '0 0';
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  const [n, provider, outTradeNo, payUrl] = l.split(' ');
  pay(provider!, outTradeNo!, payUrl ?? '-').then(
    (r) => process.stdout.write(`${n} ${r}\n`),
    () => process.stdout.write(`${n} 0 0\n`),
  );
});
lines.on('close', () => {
  void Promise.all([wechat.close(), alipay.close()]).then(() => process.exit(0));
});
process.on('SIGTERM', () => process.exit(0));
