import { describe, expect, it } from 'vitest';
import { chooseScene, isMobileAgent } from './scene.js';

const web = { id: 'web', kind: 'online' as const };
const mini = { id: 'mini', kind: 'online' as const };
const kiosk = { id: 'kiosk', kind: 'onsite' as const };
const boxOffice = { id: 'box-office', kind: 'onsite' as const };

describe('the payment scene follows the channel and the device', () => {
  it.each([
    ['wechat', kiosk, 'mobile', 'native'],
    ['wechat', boxOffice, 'desktop', 'native'],
    ['alipay', kiosk, 'desktop', 'precreate'],
    ['wechat', mini, 'mobile', 'jsapi'],
    ['wechat', web, 'mobile', 'h5'],
    ['wechat', web, 'desktop', 'native'],
    ['alipay', web, 'mobile', 'wap'],
    ['alipay', web, 'desktop', 'page'],
  ] as const)('%s on %o (%s): %s', (provider, channel, device, scene) => {
    expect(chooseScene(provider, channel, device)).toBe(scene);
  });

  it('refuses Alipay inside the mini-program', () => {
    let code = '';
    try {
      chooseScene('alipay', mini, 'mobile');
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code).toBe('invalid_payment_request');
  });

  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148', true],
    ['Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile Safari/537.36', true],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120 Safari/537.36', false],
    ['curl/8.5.0', false],
    [undefined, false],
  ])('%s is mobile: %s', (ua, mobile) => {
    expect(isMobileAgent(ua)).toBe(mobile);
  });
});
