/**
 * The one CSV writer for every export (daily reports, partner statements): RFC 4180
 * (comma, CRLF line ends, a final CRLF, a field quoted when it holds a quote, comma, CR
 * or LF, quotes doubled), and safe to open in a spreadsheet: a text cell starting with
 * = + - @, a tab or a carriage return is prefixed with an apostrophe so Excel, LibreOffice
 * and Sheets show it as text instead of running it as a formula (OWASP "CSV injection").
 * Numbers, and text that is exactly a decimal number ("-8.00", a refund in yuan), are
 * written as they are: they cannot be formulas and must stay numbers.
 */
export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One field, defused and quoted as needed; `null`/`undefined` is an empty field. */
export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const safe = FORMULA_START.test(v) && !PLAIN_NUMBER.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Whole rows, the header first, as one CSV document. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
