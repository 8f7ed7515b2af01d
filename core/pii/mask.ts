/**
 * Masking of personal data for anything a human or a log collector may read.
 * Masked forms keep enough to recognise one's own record (first/last digits)
 * and nothing that identifies a person.
 */

/** 110101199003074514 → 1101**********4514 ; short or odd inputs mask everything but 2 chars. */
export function maskIdNumber(id: string): string {
  if (id.length >= 10) return `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
  return id.length <= 2 ? '*'.repeat(id.length) : `${id[0]}${'*'.repeat(id.length - 2)}${id.at(-1)}`;
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** 张三丰 → 张** ; Alice Smith → A**** ***** */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.map((c, i) => (i === 0 || c === ' ' ? c : '*')).join('');
}

// Resident ID numbers (17 digits + digit/X) and mainland mobile numbers, wherever they
// appear inside free text (error messages, upstream responses, SQL parameters).
const ID_IN_TEXT = /(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)/g;
const PHONE_IN_TEXT = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;

// Issue 17 item 18: beyond mainland formats, international numbers (+852…, +1…) and e-mail
// addresses, which visitors from Hong Kong, Macau, Taiwan and abroad give.
const INTL_PHONE_IN_TEXT = /(?<![\w+])\+(\d{1,3})[ -]?(\d[\d -]{4,14}\d)(?!\d)/g;
const EMAIL_IN_TEXT = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;

/**
 * Fields that hold personal data whatever their format (a passport or permit number, a
 * name): masked by name, not by shape.
 */
const PERSONAL_FIELD =
  /^(id_?number|id_?no|document_?number|passport(_?no)?|permit(_?no)?|phone|mobile|tel|email|e_?mail|(visitor|holder|real|full)_?name)$/i;

/** Masks every ID number, phone number and e-mail address found in free text. */
export function redactText(text: string): string {
  return text
    .replace(ID_IN_TEXT, (_m, a: string, _b: string, c: string) => `${a.slice(0, 4)}${'*'.repeat(10)}${c}`)
    .replace(PHONE_IN_TEXT, (_m, a: string, _b: string, c: string) => `${a}****${c}`)
    .replace(INTL_PHONE_IN_TEXT, (_m, cc: string, rest: string) => `+${cc} ${maskPhone(rest)}`)
    .replace(EMAIL_IN_TEXT, (_m, first: string) => `${first}***@***`);
}

function maskField(v: string): string {
  return v.length <= 2 ? '*'.repeat(v.length) : `${v[0]}${'*'.repeat(v.length - 2)}${v.at(-1)}`;
}

/** Deep-copies a log payload with every string passed through {@link redactText}. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack ? redactText(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = typeof v === 'string' && PERSONAL_FIELD.test(k) ? maskField(v) : redactDeep(v, depth + 1);
  return out;
}
