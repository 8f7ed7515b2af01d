import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseInput } from '../validation.js';
import {
  alertTitle,
  plainText,
  summaryLines,
  truncateBytes,
  whenText,
  whereText,
  type AlertDigest,
} from './alertmanager.js';

/**
 * The group robots Chinese operations teams read alerts in, and the SMS bridge:
 *  - WeCom (企业微信群机器人): POST JSON `{msgtype: text|markdown}` to
 *    `…/cgi-bin/webhook/send?key=KEY`; the key in the URL is the only credential.
 *  - DingTalk (钉钉自定义机器人): POST `{msgtype: text|markdown}` to
 *    `…/robot/send?access_token=T`; with 加签 (signing) the query also carries
 *    `timestamp` (ms) and `sign` = base64(HMAC-SHA256(key = secret, "<timestamp>\n<secret>")).
 *  - Feishu/Lark (飞书自定义机器人): POST `{msg_type: text|post|interactive}` to
 *    `…/open-apis/bot/v2/hook/T`; with 签名校验 the body carries `timestamp` (s, a string)
 *    and `sign` = base64(HMAC-SHA256(key = "<timestamp>\n<secret>", empty message)).
 *  - sms: the platform's SMS adapter (core/notify/sms.ts, SCENIC_SMS_WEBHOOK_URL).
 * All three robots answer HTTP 200 with an error code in the body, so the answer is
 * read, not just the status (robotAnswer). Pure: the clock is passed in.
 */

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes');
const Url = z
  .string()
  .url()
  .regex(/^https?:\/\//, 'must be an http(s) URL');
/** The park's time zone, for the times in messages. */
const TimeZone = z
  .string()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone')
  .default('Asia/Shanghai');

export const RobotTarget = z.discriminatedUnion('kind', [
  z.object({
    name: Name,
    kind: z.literal('wecom'),
    url: Url,
    format: z.enum(['markdown', 'text']).default('markdown'),
    timeZone: TimeZone,
  }),
  z.object({
    name: Name,
    kind: z.literal('dingtalk'),
    url: Url,
    /** the SEC… string of the robot's 加签 setting */
    secret: z.string().min(8).optional(),
    format: z.enum(['markdown', 'text']).default('markdown'),
    timeZone: TimeZone,
  }),
  z.object({
    name: Name,
    kind: z.literal('feishu'),
    url: Url,
    /** the robot's 签名校验 secret */
    secret: z.string().min(8).optional(),
    format: z.enum(['interactive', 'post', 'text']).default('interactive'),
    timeZone: TimeZone,
  }),
  z.object({
    name: Name,
    kind: z.literal('sms'),
    /** managers' mainland mobile numbers */
    to: z
      .array(z.string().regex(/^1[3-9]\d{9}$/, 'a mainland mobile number'))
      .min(1)
      .max(20),
    timeZone: TimeZone,
  }),
]);
export type RobotTarget = z.output<typeof RobotTarget>;
export type RobotKind = RobotTarget['kind'];

const Robots = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s?.trim()) return [];
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a JSON array' });
      return z.NEVER;
    }
  })
  .pipe(z.array(RobotTarget).max(50))
  .refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, 'robot names must be unique');

/** `SCENIC_ALERT_ROBOTS`: a JSON array of robots, validated at start. */
export function loadRobots(env: NodeJS.ProcessEnv = process.env): RobotTarget[] {
  return parseInput(z.object({ SCENIC_ALERT_ROBOTS: Robots }), env, 'invalid_config').SCENIC_ALERT_ROBOTS;
}

/** DingTalk's 加签: base64(HMAC-SHA256(secret, "<timestamp ms>\n<secret>")). */
export const dingtalkSign = (secret: string, timestampMs: number): string =>
  createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');

/** Feishu's 签名校验: base64(HMAC-SHA256(key "<timestamp s>\n<secret>", empty message)). */
export const feishuSign = (secret: string, timestampS: number): string =>
  createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');

/** Documented size limits (bytes): WeCom text 2048, markdown 4096; the others stay well within theirs. */
export const LIMITS = { wecomText: 2_048, wecomMarkdown: 4_096, dingtalk: 15_000, feishu: 15_000 } as const;

export interface RobotRequest {
  url: string;
  body: Record<string, unknown>;
}

type Robot<K extends RobotKind> = Extract<RobotTarget, { kind: K }>;

const HEADER_COLOUR: Record<string, string> = { critical: 'red', warning: 'orange', info: 'yellow' };

/** WeCom markdown: its three font colours (info green, comment grey, warning orange-red). */
export function wecomMarkdown(d: AlertDigest, timeZone: string): string {
  const colour = d.status === 'firing' ? 'warning' : 'info';
  const lines = [`## <font color="${colour}">${alertTitle(d)}</font>`];
  for (const a of d.alerts) {
    lines.push(
      '',
      `**${a.name}** (${a.severity})${Object.keys(a.where).length ? ` ${whereText(a)}` : ''}`,
      ...summaryLines(a).map((l) => `> ${l}`),
      `<font color="comment">${whenText(a, timeZone)}</font>`,
    );
  }
  if (d.more) lines.push('', `<font color="comment">…另有 ${d.more} 条 / ${d.more} more</font>`);
  return lines.join('\n');
}

/** DingTalk and Feishu lark_md: headings, bold, quotes (no colours). */
function markdown(d: AlertDigest, timeZone: string, heading = '### '): string {
  const lines = [`${heading}${alertTitle(d)}`];
  for (const a of d.alerts) {
    lines.push(
      '',
      `**${a.name}** (${a.severity})${Object.keys(a.where).length ? ` ${whereText(a)}` : ''}`,
      '',
      ...summaryLines(a).map((l) => `> ${l}`),
      '',
      `${whenText(a, timeZone)}`,
    );
  }
  if (d.more) lines.push('', `…另有 ${d.more} 条 / ${d.more} more`);
  return lines.join('\n');
}

function wecomBody(r: Robot<'wecom'>, d: AlertDigest): Record<string, unknown> {
  if (r.format === 'text')
    return { msgtype: 'text', text: { content: truncateBytes(plainText(d, r.timeZone), LIMITS.wecomText) } };
  return {
    msgtype: 'markdown',
    markdown: { content: truncateBytes(wecomMarkdown(d, r.timeZone), LIMITS.wecomMarkdown) },
  };
}

function dingtalkBody(r: Robot<'dingtalk'>, d: AlertDigest): Record<string, unknown> {
  if (r.format === 'text')
    return { msgtype: 'text', text: { content: truncateBytes(plainText(d, r.timeZone), LIMITS.dingtalk) } };
  return {
    msgtype: 'markdown',
    markdown: { title: alertTitle(d), text: truncateBytes(markdown(d, r.timeZone), LIMITS.dingtalk) },
  };
}

function feishuBody(r: Robot<'feishu'>, d: AlertDigest): Record<string, unknown> {
  if (r.format === 'text')
    return { msg_type: 'text', content: { text: truncateBytes(plainText(d, r.timeZone), LIMITS.feishu) } };
  if (r.format === 'post') {
    const paragraphs = truncateBytes(plainText(d, r.timeZone), LIMITS.feishu)
      .split('\n')
      .slice(1)
      .map((line) => [{ tag: 'text', text: line }]);
    return { msg_type: 'post', content: { post: { zh_cn: { title: alertTitle(d), content: paragraphs } } } };
  }
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: {
        title: { tag: 'plain_text', content: alertTitle(d) },
        template: d.status === 'resolved' ? 'green' : (HEADER_COLOUR[d.severity] ?? 'orange'),
      },
      elements: [
        {
          tag: 'div',
          text: { tag: 'lark_md', content: truncateBytes(markdown(d, r.timeZone, ''), LIMITS.feishu) },
        },
      ],
    },
  };
}

/**
 * The request that delivers a notification to a robot, signed at `now` (DingTalk and
 * Feishu refuse a signature older than an hour, so a retry signs again).
 */
export function robotRequest(
  r: Exclude<RobotTarget, { kind: 'sms' }>,
  d: AlertDigest,
  now: Date,
): RobotRequest {
  switch (r.kind) {
    case 'wecom':
      return { url: r.url, body: wecomBody(r, d) };
    case 'dingtalk': {
      if (!r.secret) return { url: r.url, body: dingtalkBody(r, d) };
      const u = new URL(r.url);
      const ts = now.getTime();
      u.searchParams.set('timestamp', String(ts));
      // URLSearchParams percent-encodes '+', '/' and '=': an unencoded '+' would reach
      // DingTalk as a space and fail as "sign not match"
      u.searchParams.set('sign', dingtalkSign(r.secret, ts));
      return { url: u.toString(), body: dingtalkBody(r, d) };
    }
    case 'feishu': {
      const body = feishuBody(r, d);
      if (!r.secret) return { url: r.url, body };
      const ts = Math.floor(now.getTime() / 1000);
      return { url: r.url, body: { timestamp: String(ts), sign: feishuSign(r.secret, ts), ...body } };
    }
  }
}

/** The SMS text of a notification: the title and the first alert's summary, short. */
export function smsText(d: AlertDigest): string {
  const first = d.alerts[0];
  const summary = first ? (first.summaryZh ?? first.summary) : '';
  return [...`${alertTitle(d)}: ${summary}`].slice(0, 300).join('');
}

export type RobotAnswer = { ok: true } | { ok: false; retry: boolean; code: string; message: string };

/** Error codes retrying can fix: rate limits and "system busy". Everything else is configuration. */
const RETRYABLE: Record<Exclude<RobotKind, 'sms'>, readonly number[]> = {
  wecom: [-1, 45009], // system busy; api freq out of limit (20 a minute per robot)
  dingtalk: [-1, 130101], // system busy; send too fast (20 a minute per robot)
  feishu: [11232], // frequency limited
};

/** Reads a robot's answer: HTTP status first, then the error code in the JSON body. */
export function robotAnswer(kind: Exclude<RobotKind, 'sms'>, status: number, text: string): RobotAnswer {
  if (status < 200 || status >= 300) {
    const retry = status === 408 || status === 429 || status >= 500;
    return { ok: false, retry, code: `http_${status}`, message: text.slice(0, 200) };
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a proxy's HTML page, not the robot: try again later
    return { ok: false, retry: true, code: 'not_json', message: text.slice(0, 200) };
  }
  const raw = kind === 'feishu' ? (body.code ?? body.StatusCode) : body.errcode;
  const said = kind === 'feishu' ? (body.msg ?? body.StatusMessage) : body.errmsg;
  const message = typeof said === 'string' ? said : '';
  if (typeof raw !== 'number')
    return { ok: false, retry: true, code: 'no_code', message: text.slice(0, 200) };
  if (raw === 0) return { ok: true };
  return {
    ok: false,
    retry: RETRYABLE[kind].includes(raw),
    code: `${kind}_${raw}`,
    message: message.slice(0, 200),
  };
}
