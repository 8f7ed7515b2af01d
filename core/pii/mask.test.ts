import { describe, expect, it } from 'vitest';
import { redactDeep, redactText } from './mask.js';

describe('17.18 log masking covers more than resident IDs and mainland mobiles', () => {
  it('masks international phone numbers and e-mail addresses in free text', () => {
    const out = redactText('call +852 9123 4567 or +1-415-555-0123, mail alice.chan@example.hk');
    expect(out).not.toContain('9123 4567');
    expect(out).not.toContain('555-0123');
    expect(out).not.toContain('alice.chan@example.hk');
    expect(out).toContain('a***@***');
  });

  it('masks personal fields by name, whatever their format (passport, permit, name)', () => {
    const out = redactDeep({
      passportNo: 'E12345678',
      idNumber: 'H1234567(8)',
      visitorName: 'Chan Tai Man',
      order: { id: 'ord_1', units: 2 },
    }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toMatch(/E12345678|H1234567|Chan Tai Man/);
    expect(out.order).toEqual({ id: 'ord_1', units: 2 });
  });

  it('still masks resident IDs and mainland mobiles', () => {
    expect(redactText('110101199003074514 13812345678')).toBe('1101**********4514 138****5678');
  });
});
