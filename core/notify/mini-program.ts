import type { Clock } from '../clock.js';

/**
 * The mini-program subscribe-message adapter (issue 22). WeChat's protocol: the server
 * gets an `access_token` with its appid and secret (`GET /cgi-bin/token?grant_type=
 * client_credential`, valid `expires_in` seconds), then posts `{touser, template_id, page,
 * data: {key: {value}}}` to `POST /cgi-bin/message/subscribe/send?access_token=…`. WeChat
 * answers HTTP 200 with `errcode` (0 = sent). 43101 means the user did not accept this
 * template (or spent their one-time acceptance): that is a refusal, not an outage, and
 * the caller falls back to another channel. 40001/42001 (token invalid or expired) get a
 * new token once.
 */
export interface SubscribeMessage {
  openid: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
}

export interface MiniProgramSender {
  send(m: SubscribeMessage): Promise<void>;
}

/** The user has not subscribed to the template (43101) or the template/openid is wrong (40003, 40037). */
export class MiniProgramRefused extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`mini-program refused the message: ${errcode} ${errmsg}`);
    this.name = 'MiniProgramRefused';
  }
}

const REFUSALS = new Set([43101, 40003, 40037, 47003]);
const TOKEN_INVALID = new Set([40001, 42001]);

interface WechatAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
}

export class WechatSubscribeMessage implements MiniProgramSender {
  private token?: { value: string; until: number };
  constructor(private readonly o: { appId: string; secret: string; baseUrl: string; clock: Clock }) {}

  private async accessToken(fresh: boolean): Promise<string> {
    const now = this.o.clock.now().getTime();
    if (!fresh && this.token && this.token.until > now) return this.token.value;
    const u = new URL('/cgi-bin/token', this.o.baseUrl);
    u.search = new URLSearchParams({
      grant_type: 'client_credential',
      appid: this.o.appId,
      secret: this.o.secret,
    }).toString();
    const r = await fetch(u, { signal: AbortSignal.timeout(5_000) });
    if (!r.ok) throw new Error(`wechat token answered ${r.status}`);
    const a = (await r.json()) as WechatAnswer;
    if (!a.access_token) throw new Error(`wechat token refused: ${a.errcode} ${a.errmsg}`);
    // renewed five minutes early: a token used at its last second may be expired on arrival
    this.token = { value: a.access_token, until: now + Math.max(0, (a.expires_in ?? 7200) - 300) * 1000 };
    return a.access_token;
  }

  async send(m: SubscribeMessage): Promise<void> {
    for (const fresh of [false, true]) {
      const u = new URL('/cgi-bin/message/subscribe/send', this.o.baseUrl);
      u.searchParams.set('access_token', await this.accessToken(fresh));
      const r = await fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          touser: m.openid,
          template_id: m.templateId,
          page: m.page,
          data: m.data,
          miniprogram_state: 'formal',
          lang: 'zh_CN',
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!r.ok) throw new Error(`wechat subscribe/send answered ${r.status}`);
      const a = (await r.json()) as WechatAnswer;
      if (!a.errcode) return;
      if (TOKEN_INVALID.has(a.errcode) && !fresh) continue;
      if (REFUSALS.has(a.errcode)) throw new MiniProgramRefused(a.errcode, a.errmsg ?? '');
      throw new Error(`wechat subscribe/send failed: ${a.errcode} ${a.errmsg}`);
    }
    throw new Error('wechat subscribe/send: the access token stayed invalid');
  }
}
