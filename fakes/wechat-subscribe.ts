import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { closeServer, listen } from './kit/http.js';

/**
 * WeChat's mini-program server API as the subscribe-message adapter uses it
 * (core/notify/mini-program.ts), answering as WeChat does — HTTP 200 with `errcode`:
 *  - `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=`: the app's
 *    credentials (40013 invalid appid, 40125 invalid appsecret, 40002 grant_type) →
 *    `{access_token, expires_in: 7200}`; a new token replaces the old one.
 *  - `POST /cgi-bin/message/subscribe/send?access_token=`: the token (40001), JSON body
 *    with `touser`, `template_id` and `data` of `{key: {value}}` (47003 argument invalid),
 *    the template known (40037), and the user's acceptance: a one-time subscription lets
 *    one message through and is then spent (43101 "user refuse to accept the msg").
 * Delivered messages are recorded in `messages`, refusals in `refused`.
 */
export interface SubscribeDelivery {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
}

export interface WechatSubscribeFake {
  url: string;
  appId: string;
  secret: string;
  templateId: string;
  messages: SubscribeDelivery[];
  refused: { touser: string; errcode: number }[];
  /** the user accepted the template `times` more times (wx.requestSubscribeMessage) */
  subscribe(openid: string, times?: number): void;
  /** the current token stops working (as one expired early would) */
  expireToken(): void;
  env(): Record<string, string>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, body: unknown) =>
  void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export async function startWechatSubscribeFake(): Promise<WechatSubscribeFake> {
  const appId = `wx${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const templateId = `tpl-${randomBytes(6).toString('hex')}`;
  const accepted = new Map<string, number>();
  let token: string | undefined;
  const state = { messages: [] as SubscribeDelivery[], refused: [] as { touser: string; errcode: number }[] };
  const { server, url } = await listen((req, res) => {
    const q = req.url.searchParams;
    if (req.method === 'GET' && req.url.pathname === '/cgi-bin/token') {
      if (q.get('grant_type') !== 'client_credential')
        return json(res, { errcode: 40002, errmsg: 'invalid grant_type' });
      if (q.get('appid') !== appId) return json(res, { errcode: 40013, errmsg: 'invalid appid' });
      if (q.get('secret') !== secret) return json(res, { errcode: 40125, errmsg: 'invalid appsecret' });
      token = randomBytes(24).toString('base64url');
      return json(res, { access_token: token, expires_in: 7200 });
    }
    if (req.method === 'POST' && req.url.pathname === '/cgi-bin/message/subscribe/send') {
      if (!token || q.get('access_token') !== token)
        return json(res, {
          errcode: 40001,
          errmsg: 'invalid credential, access_token is invalid or not latest',
        });
      let m: Partial<SubscribeDelivery>;
      try {
        m = JSON.parse(req.body.toString('utf8')) as Partial<SubscribeDelivery>;
      } catch {
        return json(res, { errcode: 47001, errmsg: 'data format error' });
      }
      const valuesOk =
        m.data &&
        typeof m.data === 'object' &&
        Object.values(m.data).every((v) => typeof v?.value === 'string' && v.value.length <= 32);
      if (typeof m.touser !== 'string' || typeof m.template_id !== 'string' || !valuesOk)
        return json(res, { errcode: 47003, errmsg: 'argument invalid!' });
      if (m.template_id !== templateId) return json(res, { errcode: 40037, errmsg: 'invalid template_id' });
      const left = accepted.get(m.touser) ?? 0;
      if (left < 1) {
        state.refused.push({ touser: m.touser, errcode: 43101 });
        return json(res, { errcode: 43101, errmsg: 'user refuse to accept the msg' });
      }
      accepted.set(m.touser, left - 1);
      state.messages.push(m as SubscribeDelivery);
      return json(res, { errcode: 0, errmsg: 'ok', msgid: Date.now() });
    }
    res.writeHead(404).end();
  });
  return {
    url,
    appId,
    secret,
    templateId,
    ...state,
    subscribe: (openid, times = 1) => void accepted.set(openid, (accepted.get(openid) ?? 0) + times),
    expireToken: () => void (token = randomBytes(24).toString('base64url')),
    env: () => ({
      SCENIC_WECHAT_MP_APPID: appId,
      SCENIC_WECHAT_MP_SECRET: secret,
      SCENIC_WECHAT_MP_API: url,
    }),
    close: () => closeServer(server),
  };
}
