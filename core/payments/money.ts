/**
 * Amounts: Scenic keeps integer fen (分); the providers' files and Alipay's API speak
 * yuan strings ("12.34", fees with up to five decimals in WeChat's bill). Conversions go
 * through strings, never floating point, so 0.1 + 0.2 cannot leak into the books.
 */

/** 1234 → "12.34" (Alipay `total_amount`, `refund_amount`). */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const YUAN = /^([+-]?)(\d{1,12})(?:\.(\d{1,5}))?$/;

/**
 * "0.05940" → 59.4 fen as 59 400 thousandths of a fen: exact, for summing and comparing
 * a file's rows with its own totals. Null for anything that is not a plain decimal amount.
 */
export function yuanToMilliFen(text: string): number | null {
  const m = YUAN.exec(text.trim());
  if (!m) return null;
  const abs = Number(m[2]) * 100_000 + Number((m[3] ?? '').padEnd(5, '0')); // 1 yuan = 100 000 thousandths of a fen
  return m[1] === '-' && abs !== 0 ? -abs : abs;
}

/** Thousandths of a fen → fen, half away from zero (how the providers round fees). */
export function milliFenToFen(milli: number): number {
  const abs = Math.abs(milli);
  const fen = Math.trunc(abs / 1000) + (abs % 1000 >= 500 ? 1 : 0);
  return milli < 0 && fen !== 0 ? -fen : fen;
}

/**
 * "12.34" → 1234. Up to five decimals are accepted (WeChat prints fees as "0.07000");
 * fractions of a fen round half away from zero. Null for anything that is not a plain
 * decimal amount.
 */
export function yuanToFen(text: string): number | null {
  const milli = yuanToMilliFen(text);
  return milli === null ? null : milliFenToFen(milli);
}
