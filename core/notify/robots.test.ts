import { describe, expect, it } from 'vitest';
import { alertmanagerNotification } from '../../fakes/alertmanager.js';
import { parseInput } from '../validation.js';
import { AlertmanagerWebhook, digestAlerts } from './alertmanager.js';
import {
  LIMITS,
  dingtalkSign,
  feishuSign,
  loadRobots,
  robotAnswer,
  robotRequest,
  smsText,
  type RobotTarget,
} from './robots.js';

const digest = (over: Record<string, unknown> = {}) =>
  digestAlerts(parseInput(AlertmanagerWebhook, alertmanagerNotification(over)));
const NOW = new Date('2026-12-01T01:30:10.000Z');
const robot = (json: Record<string, unknown>) =>
  loadRobots({ SCENIC_ALERT_ROBOTS: JSON.stringify([json]) })[0]! as Exclude<RobotTarget, { kind: 'sms' }>;

describe('signatures, from the providers’ documented examples', () => {
  it('DingTalk 加签: base64(HMAC-SHA256(secret, "<ms>\\n<secret>")), as the Python sample computes it', () => {
    // the documentation's sample secret; the value is what its Python snippet prints
    expect(dingtalkSign('this is secret', 1577262236757)).toBe(
      'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=',
    );
  });

  it('DingTalk: timestamp and the URL-encoded sign go in the query, after access_token', () => {
    const r = robot({
      name: 'ops',
      kind: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=T0K',
      secret: 'this is secret',
    });
    const req = robotRequest(r, digest(), new Date(1577262236757));
    expect(req.url).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=T0K&timestamp=1577262236757&sign=hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    );
  });

  it('Feishu 签名校验: HMAC-SHA256 keyed with "<s>\\n<secret>" over nothing, as gen_sign computes it', () => {
    expect(feishuSign('demo-feishu-secret', 1599360473)).toBe('I14G+BylJBIS1VqI4nUg1mKqMAjMGZlFJGT36IJRUr8=');
  });

  it('Feishu: timestamp (seconds, a string) and sign go in the body', () => {
    const r = robot({
      name: 'ops',
      kind: 'feishu',
      url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc',
      secret: 'demo-feishu-secret',
    });
    const req = robotRequest(r, digest(), new Date(1599360473_000));
    expect(req.url).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/abc');
    expect(req.body).toMatchObject({
      timestamp: '1599360473',
      sign: 'I14G+BylJBIS1VqI4nUg1mKqMAjMGZlFJGT36IJRUr8=',
      msg_type: 'interactive',
    });
  });

  it('signs with the time of the delivery, not of the alert', () => {
    const r = robot({
      name: 'd',
      kind: 'dingtalk',
      url: 'https://x.test/robot/send?access_token=t',
      secret: 'SECabcdefgh',
    });
    expect(robotRequest(r, digest(), NOW).url).toContain(`timestamp=${NOW.getTime()}`);
  });
});

describe('message formats', () => {
  /** the value at a dotted path of a JSON body */
  const at = (b: unknown, path: string): unknown =>
    path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], b);
  it.each([
    [{ kind: 'wecom', format: 'markdown' }, 'markdown', 'markdown.content'],
    [{ kind: 'wecom', format: 'text' }, 'text', 'text.content'],
    [{ kind: 'dingtalk', format: 'markdown' }, 'markdown', 'markdown.text'],
    [{ kind: 'dingtalk', format: 'text' }, 'text', 'text.content'],
    [{ kind: 'feishu', format: 'text' }, 'text', 'content.text'],
    [{ kind: 'feishu', format: 'post' }, 'post', 'content.post.zh_cn'],
    [{ kind: 'feishu', format: 'interactive' }, 'interactive', 'card.elements.0.text.content'],
  ] as const)('%o carries the alert, in Chinese and English', (over, type, path) => {
    const r = robot({ name: 'r', url: 'https://robot.test/hook?key=k', ...over });
    const { body } = robotRequest(r, digest(), NOW);
    expect(body.msgtype ?? body.msg_type).toBe(type);
    const v = at(body, path);
    const t = typeof v === 'string' ? v : JSON.stringify(v);
    expect(t).toContain('ScenicCapacityOrange');
    expect(t).toContain('已达橙色');
    expect(t).toContain('is at ORANGE');
    expect(t).toContain('2026-12-01 09:30:05'); // Asia/Shanghai by default
  });

  it('DingTalk markdown has the title its notification preview shows; Feishu cards are coloured by severity', () => {
    const ding = robotRequest(robot({ name: 'd', kind: 'dingtalk', url: 'https://x.test/s' }), digest(), NOW);
    expect((ding.body.markdown as { title: string }).title).toBe(
      '[Scenic 告警 FIRING] ScenicCapacityOrange · west-lake 2026-12-01',
    );
    const card = (s: string) =>
      (
        robotRequest(
          robot({ name: 'f', kind: 'feishu', url: 'https://x.test/h' }),
          digest({ status: s }),
          NOW,
        ).body.card as { header: { template: string } }
      ).header.template;
    expect(card('firing')).toBe('orange');
    expect(card('resolved')).toBe('green');
  });

  it('keeps WeCom within its documented byte limits', () => {
    const one = (alertmanagerNotification().alerts as Record<string, unknown>[])[0]!;
    const long = { ...one, annotations: { summary: '很长的说明'.repeat(300) } };
    const d = digest({ alerts: Array.from({ length: 10 }, (_, i) => ({ ...long, fingerprint: `f${i}` })) });
    const md = robotRequest(robot({ name: 'w', kind: 'wecom', url: 'https://x.test/w' }), d, NOW);
    expect(Buffer.byteLength((md.body.markdown as { content: string }).content)).toBeLessThanOrEqual(
      LIMITS.wecomMarkdown,
    );
    const txt = robotRequest(
      robot({ name: 'w', kind: 'wecom', url: 'https://x.test/w', format: 'text' }),
      d,
      NOW,
    );
    expect(Buffer.byteLength((txt.body.text as { content: string }).content)).toBeLessThanOrEqual(
      LIMITS.wecomText,
    );
  });

  it('writes a short SMS', () => {
    const t = smsText(digest());
    expect(t.startsWith('[Scenic 告警 FIRING] ScenicCapacityOrange · west-lake 2026-12-01: ')).toBe(true);
    expect(t).toContain('已达橙色');
    expect([...t].length).toBeLessThanOrEqual(300);
  });
});

describe('robot answers (HTTP 200 with an error code in the body)', () => {
  it.each([
    ['wecom', 200, '{"errcode":0,"errmsg":"ok"}', { ok: true }],
    [
      'wecom',
      200,
      '{"errcode":93000,"errmsg":"invalid webhook url"}',
      { ok: false, retry: false, code: 'wecom_93000' },
    ],
    ['wecom', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}', { ok: false, retry: true }],
    ['dingtalk', 200, '{"errcode":0,"errmsg":"ok"}', { ok: true }],
    [
      'dingtalk',
      200,
      '{"errcode":310000,"errmsg":"sign not match"}',
      { ok: false, retry: false, code: 'dingtalk_310000' },
    ],
    ['dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}', { ok: false, retry: true }],
    [
      'feishu',
      200,
      '{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}',
      { ok: true },
    ],
    [
      'feishu',
      200,
      '{"code":19021,"data":{},"msg":"sign match fail"}',
      { ok: false, retry: false, code: 'feishu_19021' },
    ],
    ['feishu', 200, '{"code":11232,"data":{},"msg":"frequency limited"}', { ok: false, retry: true }],
    ['wecom', 502, 'bad gateway', { ok: false, retry: true, code: 'http_502' }],
    ['wecom', 404, 'not found', { ok: false, retry: false, code: 'http_404' }],
    ['dingtalk', 200, '<html>proxy</html>', { ok: false, retry: true, code: 'not_json' }],
  ] as const)('%s %i %s', (kind, status, text, want) => {
    expect(robotAnswer(kind, status, text)).toMatchObject(want);
  });
});

describe('SCENIC_ALERT_ROBOTS', () => {
  it('reads robots of every kind, with their defaults', () => {
    const rs = loadRobots({
      SCENIC_ALERT_ROBOTS: JSON.stringify([
        { name: 'a', kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
        {
          name: 'b',
          kind: 'dingtalk',
          url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
          secret: 'SECxxxxxxxx',
        },
        { name: 'c', kind: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/h' },
        { name: 'd', kind: 'sms', to: ['13900001111'] },
      ]),
    });
    expect(rs.map((r) => [r.kind, 'format' in r ? r.format : '-', r.timeZone])).toEqual([
      ['wecom', 'markdown', 'Asia/Shanghai'],
      ['dingtalk', 'markdown', 'Asia/Shanghai'],
      ['feishu', 'interactive', 'Asia/Shanghai'],
      ['sms', '-', 'Asia/Shanghai'],
    ]);
    expect(loadRobots({})).toEqual([]);
  });

  it.each([
    ['not JSON', 'wecom://'],
    ['an unknown kind', JSON.stringify([{ name: 'a', kind: 'slack', url: 'https://x.test' }])],
    [
      'a duplicate name',
      JSON.stringify([
        { name: 'a', kind: 'sms', to: ['13900001111'] },
        { name: 'a', kind: 'sms', to: ['13900001111'] },
      ]),
    ],
    ['a bad mobile', JSON.stringify([{ name: 'a', kind: 'sms', to: ['12345'] }])],
    [
      'a bad time zone',
      JSON.stringify([{ name: 'a', kind: 'sms', to: ['13900001111'], timeZone: 'Mars/Base' }]),
    ],
  ])('refuses %s at start', (_what, value) => {
    let err: unknown;
    try {
      loadRobots({ SCENIC_ALERT_ROBOTS: value });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_config' });
  });
});
