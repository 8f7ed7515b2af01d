import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRobots, type FakeRobots } from '../../fakes/robots.js';
import { alertmanagerNotification } from '../../fakes/alertmanager.js';
import { parseInput } from '../../core/validation.js';
import { AlertmanagerWebhook, digestAlerts } from '../../core/notify/alertmanager.js';
import {
  dingtalkSign,
  loadRobots,
  robotAnswer,
  robotRequest,
  type RobotTarget,
} from '../../core/notify/robots.js';

/**
 * The fake robots refuse what the real ones refuse, with the same answers, and accept
 * what core/notify/robots.ts sends: so a passing relay test means a message the real
 * robot would take, and a wrong key or secret shows as the real error code.
 */
const digest = digestAlerts(parseInput(AlertmanagerWebhook, alertmanagerNotification()));
const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const robot = (r: Record<string, unknown>) =>
  loadRobots({ SCENIC_ALERT_ROBOTS: JSON.stringify([{ name: 'r', ...r }]) })[0] as Exclude<
    RobotTarget,
    { kind: 'sms' }
  >;
const send = (r: Exclude<RobotTarget, { kind: 'sms' }>, at = new Date()) => {
  const req = robotRequest(r, digest, at);
  return post(req.url, req.body);
};

describe('fake robots', () => {
  let fake: FakeRobots;
  beforeAll(async () => {
    fake = await startFakeRobots();
  });
  afterAll(() => fake.close());

  it.each(['markdown', 'text'])(
    'WeCom takes a %s message on its key and answers errcode 0',
    async (format) => {
      const url = fake.wecom();
      const res = await send(robot({ kind: 'wecom', url, format }));
      expect(res).toEqual({ status: 200, body: { errcode: 0, errmsg: 'ok' } });
      expect(fake.messages.at(-1)).toMatchObject({ provider: 'wecom', body: { msgtype: format } });
    },
  );

  it('WeCom refuses an unknown key, a wrong type and an empty or too long content', async () => {
    const url = fake.wecom();
    const other = url.replace(/key=.*/, 'key=nope');
    expect((await post(other, { msgtype: 'text', text: { content: 'x' } })).body.errcode).toBe(93000);
    expect((await post(url, { msgtype: 'voice', voice: {} })).body.errcode).toBe(40008);
    expect((await post(url, { msgtype: 'text', text: { content: '' } })).body.errcode).toBe(44004);
    const long = { msgtype: 'markdown', markdown: { content: '西'.repeat(1400) } }; // 4200 bytes
    expect((await post(url, long)).body.errcode).toBe(40058);
  });

  it('WeCom and DingTalk allow 20 messages a minute per robot', async () => {
    const url = fake.wecom();
    const codes = [];
    for (let i = 0; i < 21; i++)
      codes.push((await post(url, { msgtype: 'text', text: { content: `${i}` } })).body.errcode);
    expect(codes.slice(0, 20).every((c) => c === 0)).toBe(true);
    expect(codes[20]).toBe(45009);
    expect(robotAnswer('wecom', 200, JSON.stringify({ errcode: 45009 }))).toMatchObject({ retry: true });
  });

  it('DingTalk takes a signed message and refuses a bad sign, a stale timestamp and an unencoded +', async () => {
    const { url, secret } = fake.dingtalk({ signed: true });
    expect((await send(robot({ kind: 'dingtalk', url, secret }))).body).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await send(robot({ kind: 'dingtalk', url, secret: 'SECnot-the-secret' }))).body).toEqual({
      errcode: 310000,
      errmsg: 'sign not match',
    });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    expect((await send(robot({ kind: 'dingtalk', url, secret }), twoHoursAgo)).body).toEqual({
      errcode: 310000,
      errmsg: 'invalid timestamp',
    });
    // the sign in the query without URL encoding: its '+' arrive as spaces
    let ts = Date.now();
    while (!dingtalkSign(secret!, ts).includes('+')) ts++;
    const raw = `${url}&timestamp=${ts}&sign=${dingtalkSign(secret!, ts)}`;
    expect((await post(raw, { msgtype: 'text', text: { content: 'x' } })).body.errmsg).toBe('sign not match');
    expect((await send(robot({ kind: 'dingtalk', url }))).body).toEqual({
      errcode: 310000,
      errmsg: 'invalid timestamp',
    });
  });

  it('DingTalk refuses an unknown token, a bad shape and a message without its keyword', async () => {
    const { url } = fake.dingtalk({ keywords: ['Scenic'] });
    expect((await post(url.replace(/token=.*/, 'token=x'), {})).body.errcode).toBe(300001);
    expect((await post(url, { msgtype: 'markdown', markdown: { text: 'no title' } })).body.errcode).toBe(
      40035,
    );
    expect((await post(url, { msgtype: 'text', text: { content: 'hello' } })).body).toEqual({
      errcode: 310000,
      errmsg: 'keywords not in content',
    });
    expect((await send(robot({ kind: 'dingtalk', url }))).body.errcode).toBe(0); // titles say "Scenic"
  });

  it.each(['interactive', 'post', 'text'])('Feishu takes a signed %s message', async (format) => {
    const { url, secret } = fake.feishu({ signed: true });
    expect((await send(robot({ kind: 'feishu', url, secret, format }))).body).toMatchObject({
      code: 0,
      msg: 'success',
    });
    expect(fake.messages.at(-1)).toMatchObject({ provider: 'feishu', body: { msg_type: format } });
  });

  it('Feishu refuses a bad sign, a stale or millisecond timestamp, an unknown hook and a bad shape', async () => {
    const { url, secret } = fake.feishu({ signed: true });
    const fail = {
      code: 19021,
      data: {},
      msg: 'sign match fail or timestamp is not within one hour from current time',
    };
    expect((await send(robot({ kind: 'feishu', url, secret: 'not-the-secret' }))).body).toEqual(fail);
    expect(
      (await send(robot({ kind: 'feishu', url, secret }), new Date(Date.now() - 2 * 3_600_000))).body,
    ).toEqual(fail);
    const ts = Date.now(); // milliseconds where seconds are due
    expect(
      (await post(url, { timestamp: String(ts), sign: 'x', msg_type: 'text', content: { text: 'x' } })).body,
    ).toEqual(fail);
    expect((await post(`${url}0`, { msg_type: 'text', content: { text: 'x' } })).body.code).toBe(19001);
    const open = fake.feishu();
    expect(
      (await post(open.url, { msg_type: 'post', content: { post: { zh_cn: { title: 't' } } } })).body.code,
    ).toBe(9499);
  });

  it('the SMS bridge takes {to, text} and refuses anything else', async () => {
    expect((await post(`${fake.url}/sms`, { to: '13900001111', text: 'hi' })).status).toBe(200);
    expect((await post(`${fake.url}/sms`, { to: '123', text: 'hi' })).status).toBe(400);
    expect(fake.sms.at(-1)).toMatchObject({ to: '13900001111', text: 'hi' });
  });
});
