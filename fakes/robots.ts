import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for the group robots alerts go to, for tests and the demo: one HTTP
 * server playing WeCom, DingTalk and Feishu/Lark custom robots at their real paths, and
 * an SMS bridge. Each checks what the real one checks and answers the way it answers —
 * HTTP 200 with an error code in the JSON body:
 *  - WeCom `POST /cgi-bin/webhook/send?key=K`: the key (93000), `msgtype` text|markdown
 *    (40008), non-empty content (44004) within 2048 / 4096 bytes (40058), 20 a minute (45009).
 *  - DingTalk `POST /robot/send?access_token=T[&timestamp=&sign=]`: the token (300001); with
 *    加签, a timestamp (ms) within an hour ("invalid timestamp") and
 *    sign = base64(HMAC-SHA256(secret, "<ts>\n<secret>")), read from the decoded query, so an
 *    unencoded '+' fails as it does there ("sign not match", both errcode 310000); keywords
 *    (310000 "keywords not in content"); `msgtype` text|markdown with their fields (40035);
 *    20 a minute (130101).
 *  - Feishu `POST /open-apis/bot/v2/hook/T`: the token (19001); with 签名校验, body
 *    `timestamp` (s) within an hour and sign = base64(HMAC-SHA256(key "<ts>\n<secret>", ""))
 *    (19021); keywords (19024); `msg_type` text|post|interactive with their fields (9499);
 *    100 a minute (11232).
 *  - SMS bridge `POST /sms` `{to, text}`: the platform's WebhookSms (core/notify/sms.ts).
 * Accepted messages are recorded in `messages`, refusals in `refused`.
 */

export type RobotProvider = 'wecom' | 'dingtalk' | 'feishu';

export interface RobotMessage {
  provider: RobotProvider;
  /** the key / access token the message was posted with */
  robot: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeRobots {
  url: string;
  messages: RobotMessage[];
  refused: { provider: RobotProvider; robot: string; code: number; message: string }[];
  sms: { to: string; text: string; at: number }[];
  /** a WeCom robot: its webhook URL */
  wecom(): string;
  /** a DingTalk robot, signed when `signed`: its URL (without timestamp/sign) and 加签 secret */
  dingtalk(o?: { signed?: boolean; keywords?: string[] }): { url: string; secret?: string };
  /** a Feishu robot, signed when `signed`: its URL and 签名校验 secret */
  feishu(o?: { signed?: boolean; keywords?: string[] }): { url: string; secret?: string };
  close(): Promise<void>;
}

interface Robot {
  secret?: string;
  keywords?: string[];
  sent: number[];
}

const HOUR_MS = 3_600_000;
type Answer = [code: number, message: string];

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Sliding one-minute window: true when `limit` messages went out in the last minute. */
function overLimit(r: Robot, now: number, limit: number): boolean {
  r.sent = r.sent.filter((t) => now - t < 60_000);
  if (r.sent.length >= limit) return true;
  r.sent.push(now);
  return false;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function wecomShape(b: Record<string, unknown>): Answer | string {
  const type = b.msgtype;
  if (type !== 'text' && type !== 'markdown') return [40008, 'invalid message type'];
  const content = obj(b[type])?.content;
  if (!str(content)) return [44004, `${type}.content is empty`];
  const max = type === 'text' ? 2_048 : 4_096;
  if (Buffer.byteLength(content) > max) return [40058, `${type}.content exceed max length ${max}`];
  return content;
}

function dingtalkShape(b: Record<string, unknown>): Answer | string {
  if (b.msgtype === 'text' && str(obj(b.text)?.content)) return obj(b.text)!.content as string;
  const md = obj(b.markdown);
  if (b.msgtype === 'markdown' && str(md?.title) && str(md?.text)) return `${md.title}\n${md.text}`;
  return [40035, '缺少参数 json'];
}

function feishuShape(b: Record<string, unknown>): Answer | string {
  const content = obj(b.content);
  if (b.msg_type === 'text' && str(content?.text)) return content.text;
  if (b.msg_type === 'post') {
    const post = obj(content?.post);
    const locale = post && obj(Object.values(post)[0]);
    const lines = locale?.content;
    if (
      str(locale?.title) &&
      Array.isArray(lines) &&
      lines.every((p) => Array.isArray(p) && p.every((el) => str(obj(el)?.tag)))
    )
      return JSON.stringify(locale);
  }
  if (b.msg_type === 'interactive') {
    const card = obj(b.card);
    if (card && (Array.isArray(card.elements) || obj(card.header))) return JSON.stringify(card);
  }
  return [9499, 'Bad Request'];
}

const missingKeyword = (r: Robot, text: string) =>
  !!r.keywords?.length && !r.keywords.some((k) => text.includes(k));

export async function startFakeRobots(o: { now?: () => number } = {}): Promise<FakeRobots> {
  const now = o.now ?? (() => Date.now());
  const robots = {
    wecom: new Map<string, Robot>(),
    dingtalk: new Map<string, Robot>(),
    feishu: new Map<string, Robot>(),
  };
  const token = () => randomBytes(16).toString('hex');
  const state = { messages: [], refused: [], sms: [] } as Pick<FakeRobots, 'messages' | 'refused' | 'sms'>;

  const wecom = (key: string, b: Record<string, unknown>): Answer => {
    const r = robots.wecom.get(key);
    if (!r) return [93000, 'invalid webhook url, hint: [key not found]'];
    const shape = wecomShape(b);
    if (typeof shape !== 'string') return shape;
    if (overLimit(r, now(), 20)) return [45009, 'api freq out of limit'];
    return [0, 'ok'];
  };

  const dingtalk = (q: URLSearchParams, b: Record<string, unknown>): Answer => {
    const r = robots.dingtalk.get(q.get('access_token') ?? '');
    if (!r) return [300001, 'token is not exist'];
    if (r.secret) {
      const ts = q.get('timestamp') ?? '';
      if (!/^\d{13}$/.test(ts) || Math.abs(now() - Number(ts)) > HOUR_MS)
        return [310000, 'invalid timestamp'];
      const want = createHmac('sha256', r.secret).update(`${ts}\n${r.secret}`).digest('base64');
      if (!sameText(q.get('sign') ?? '', want)) return [310000, 'sign not match'];
    }
    const shape = dingtalkShape(b);
    if (typeof shape !== 'string') return shape;
    if (missingKeyword(r, shape)) return [310000, 'keywords not in content'];
    if (overLimit(r, now(), 20)) return [130101, 'send too fast, exceed 20 times per minute'];
    return [0, 'ok'];
  };

  const feishu = (hook: string, b: Record<string, unknown>): Answer => {
    const r = robots.feishu.get(hook);
    if (!r) return [19001, 'param invalid: incoming webhook access token invalid'];
    if (r.secret) {
      const ts = typeof b.timestamp === 'string' ? b.timestamp : '';
      const stale = !/^\d{1,12}$/.test(ts) || Math.abs(now() - Number(ts) * 1000) > HOUR_MS;
      const want = createHmac('sha256', `${ts}\n${r.secret}`).update('').digest('base64');
      if (stale || typeof b.sign !== 'string' || !sameText(b.sign, want))
        return [19021, 'sign match fail or timestamp is not within one hour from current time'];
    }
    const shape = feishuShape(b);
    if (typeof shape !== 'string') return shape;
    if (missingKeyword(r, shape)) return [19024, 'Key Words Not Found'];
    if (overLimit(r, now(), 100))
      return [11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]'];
    return [0, 'success'];
  };

  const route = (req: IncomingMessage, raw: string): { status: number; body: unknown } => {
    const u = new URL(req.url ?? '/', 'http://fake');
    let b: Record<string, unknown> = {};
    try {
      b = obj(JSON.parse(raw)) ?? {};
    } catch {
      /* each provider refuses an empty body in its own way below */
    }
    const record = (provider: RobotProvider, robot: string, [code, message]: Answer) => {
      if (code === 0) state.messages.push({ provider, robot, body: b, at: now() });
      else state.refused.push({ provider, robot, code, message });
    };
    if (req.method !== 'POST') return { status: 405, body: {} };
    if (u.pathname === '/cgi-bin/webhook/send') {
      const key = u.searchParams.get('key') ?? '';
      const a = wecom(key, b);
      record('wecom', key, a);
      return { status: 200, body: { errcode: a[0], errmsg: a[1] } };
    }
    if (u.pathname === '/robot/send') {
      const a = dingtalk(u.searchParams, b);
      record('dingtalk', u.searchParams.get('access_token') ?? '', a);
      return { status: 200, body: { errcode: a[0], errmsg: a[1] } };
    }
    const hook = /^\/open-apis\/bot\/v2\/hook\/([A-Za-z0-9-]+)$/.exec(u.pathname);
    if (hook) {
      const a = feishu(hook[1]!, b);
      record('feishu', hook[1]!, a);
      return {
        status: 200,
        body: a[0]
          ? { code: a[0], data: {}, msg: a[1] }
          : { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' },
      };
    }
    if (u.pathname === '/sms') {
      const to = b.to;
      const text = b.text;
      if (typeof to !== 'string' || !/^1[3-9]\d{9}$/.test(to) || !str(text) || [...text].length > 500)
        return { status: 400, body: { error: 'want {to: mainland mobile, text: 1..500 characters}' } };
      state.sms.push({ to, text, at: now() });
      return { status: 200, body: { ok: true } };
    }
    return { status: 404, body: {} };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, body } = route(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const add = (provider: 'dingtalk' | 'feishu', signed?: boolean, keywords?: string[]) => {
    const t = token();
    const secret = signed ? `SEC${randomBytes(24).toString('hex')}` : undefined;
    robots[provider].set(t, { sent: [], ...(secret ? { secret } : {}), ...(keywords ? { keywords } : {}) });
    const path = provider === 'dingtalk' ? `/robot/send?access_token=${t}` : `/open-apis/bot/v2/hook/${t}`;
    return { url: `${url}${path}`, ...(secret ? { secret } : {}) };
  };
  return {
    url,
    ...state,
    wecom: () => {
      const key = `${token().slice(0, 8)}-${token().slice(0, 4)}-${token().slice(0, 4)}`;
      robots.wecom.set(key, { sent: [] });
      return `${url}/cgi-bin/webhook/send?key=${key}`;
    },
    dingtalk: (x = {}) => add('dingtalk', x.signed, x.keywords),
    feishu: (x = {}) => add('feishu', x.signed, x.keywords),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
