import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { LogSms, redactCodes } from './sms.js';

function capture() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return { log, lines };
}

describe('LogSms (no SMS provider configured)', () => {
  it('never logs a sign-in code by default: a log reader must not be able to sign in', async () => {
    const { log, lines } = capture();
    await new LogSms(log).send('13812345678', 'Scenic sign-in code: 482913 (valid 5 minutes)');
    expect(lines.join('')).not.toContain('482913');
    expect(lines.join('')).not.toContain('13812345678');
    expect(lines.join('')).toContain('sign-in code: ••••••');
  });

  it('logs the whole text only when asked (the demo, the tests)', async () => {
    const { log, lines } = capture();
    await new LogSms(log, true).send('13812345678', 'Scenic sign-in code: 482913 (valid 5 minutes)');
    expect(lines.join('')).toContain('482913');
  });

  it('redacts every run of four or more digits', () => {
    expect(redactCodes('code 1234, slot 09:00, order 42, 2026-05-01')).toBe(
      'code ••••, slot 09:00, order 42, ••••-05-01',
    );
  });
});
