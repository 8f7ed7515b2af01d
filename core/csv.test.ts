import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.js';

describe('csvCell', () => {
  it.each([
    ['plain text', 'west-lake', 'west-lake'],
    ['a comma', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line break', 'a\nb', '"a\nb"'],
    ['a formula', '=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a plus', '+1+cmd|calc', "'+1+cmd|calc"],
    ['a minus that is not a number', '-2+3', "'-2+3"],
    ['an at sign', '@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['a leading tab', '\t=1', "'\t=1"],
    ['a leading carriage return', '\r=1', `"'\r=1"`],
    ['a negative amount in yuan', '-8.00', '-8.00'],
    ['a number', 42, '42'],
    ['a negative number', -411, '-411'],
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['an inner equals sign', 'a=b', 'a=b'],
  ])('writes %s', (_, v, want) => expect(csvCell(v)).toBe(want));
});

describe('toCsv', () => {
  it('ends every row with CRLF, the last included', () => {
    expect(
      toCsv([
        ['a', 'b'],
        [1, '=x'],
      ]),
    ).toBe("a,b\r\n1,'=x\r\n");
  });
});
