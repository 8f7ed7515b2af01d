import { describe, expect, it } from 'vitest';
import { bindingMismatches, nextPaymentStatus } from './binding.js';
import type { PaymentIdentity } from './gateway.js';

const row = {
  provider: 'wechat',
  amount: 12_300,
  currency: 'CNY',
  merchant_id: '1900000109',
  app_id: 'wxapp',
};
const said: PaymentIdentity = {
  provider: 'wechat',
  outTradeNo: 'x',
  providerRef: 't',
  amount: 12_300,
  currency: 'CNY',
  merchantId: '1900000109',
  appId: 'wxapp',
};

describe('binding a provider’s word to a payment Scenic created', () => {
  it('a notice naming exactly what was created binds', () => {
    expect(bindingMismatches(row, said)).toEqual([]);
  });

  it.each([
    ['amount', { amount: 12_301 }, 12_300, 12_301],
    ['currency', { currency: 'USD' }, 'CNY', 'USD'],
    ['merchant', { merchantId: '1900000110' }, '1900000109', '1900000110'],
    ['app', { appId: 'wxother' }, 'wxapp', 'wxother'],
    ['provider', { provider: 'alipay' as const }, 'wechat', 'alipay'],
  ])('a different %s is a mismatch', (field, over, expected, got) => {
    expect(bindingMismatches(row, { ...said, ...over })).toEqual([{ field, expected, got }]);
  });
});

describe('state only moves forward', () => {
  it.each([
    ['pending', 'succeeded', 'succeeded'],
    ['pending', 'refunded', 'succeeded'],
    ['pending', 'closed', 'closed'],
    ['pending', 'failed', 'failed'],
    ['pending', 'pending', null],
    ['failed', 'succeeded', 'succeeded'], // WeChat: the payer tried again after PAYERROR
    ['closed', 'succeeded', 'succeeded'], // money after the close: honoured or refunded, never left
    ['failed', 'closed', 'closed'],
    ['succeeded', 'succeeded', null], // a duplicate
    ['succeeded', 'pending', null], // a stale WAIT_BUYER_PAY after TRADE_SUCCESS
    ['succeeded', 'closed', null],
    ['succeeded', 'failed', null],
    ['succeeded', 'refunded', null], // refunds move through Scenic's own refund rows
    ['refunded', 'succeeded', null],
    ['closed', 'pending', null],
    ['closed', 'failed', null],
  ] as const)('%s + provider says %s → %s', (current, reported, next) => {
    expect(nextPaymentStatus(current, reported)).toBe(next);
  });
});
