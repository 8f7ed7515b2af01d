import { pino, type Logger } from 'pino';
import { redactDeep, redactText } from './pii/mask.js';

export type { Logger };

/**
 * The one logger factory. Every line passes through PII redaction: ID numbers and
 * phone numbers are masked wherever they appear, so a careless `log.info({ body })`
 * cannot leak them.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { role: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<
          typeof method
        >;
        method.apply(this, masked);
      },
    },
  });
}
