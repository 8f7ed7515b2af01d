import type { Logger } from '../log.js';
import { maskPhone } from '../pii/mask.js';
import { maskTicketCodes } from './purchase-sms.js';

/**
 * The SMS adapter. Providers (Aliyun, Tencent Cloud SMS...) sit behind this interface;
 * `WebhookSms` posts to an HTTP endpoint (a provider bridge, or a local fake in tests),
 * `LogSms` delivers nothing and logs, with the number masked and — unless `showText` (the
 * demo and the tests) — every run of 4+ digits redacted: sign-in codes are credentials.
 */
export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

export class WebhookSms implements SmsSender {
  constructor(private readonly url: string) {}
  async send(to: string, text: string): Promise<void> {
    const r = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to, text }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!r.ok) throw new Error(`sms webhook answered ${r.status}`);
  }
}

export class LogSms implements SmsSender {
  constructor(
    private readonly log: Logger,
    private readonly showText = false,
  ) {}
  send(to: string, text: string): Promise<void> {
    this.log.info(
      { to: maskPhone(to), text: this.showText ? maskTicketCodes(text) : redactCodes(text) },
      'sms not delivered (no SMS provider configured; logged only)',
    );
    return Promise.resolve();
  }
}

/** Replaces ticket codes (all but their last four characters) and every run of 4 or more digits (codes, numbers) with bullets. */
export const redactCodes = (text: string): string =>
  maskTicketCodes(text).replace(/\d{4,}/g, (m) => '•'.repeat(m.length));
