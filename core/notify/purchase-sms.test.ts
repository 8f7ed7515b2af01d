import { describe, expect, it } from 'vitest';
import { maskTicketCodes, purchaseSmsText } from './purchase-sms.js';
import { redactCodes } from './sms.js';
import type { AreaConfig } from '../catalog/catalog.js';

const area = {
  name: 'West Lake',
  slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 10 }],
  products: new Map([['adult', { name: 'Adult', visitRoute: 'North Gate → Su Causeway → Broken Bridge' }]]),
} as unknown as Pick<AreaConfig, 'name' | 'slots' | 'products'>;
const code = 'SC1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJyg';

describe('the purchase SMS', () => {
  const text = purchaseSmsText({
    area,
    order: { id: 'o-1', date: '2026-12-05', slotId: '0900' },
    tickets: [
      { productId: 'adult', code },
      { productId: 'adult', code: null },
      { productId: 'adult', code: `${code}G`, group: 6 },
    ],
    baseUrl: 'https://scenic.example',
  });
  it('carries the link, each ticket code and the product’s route, once', () => {
    expect(text).toContain('West Lake 2026-12-05 09:00-10:00. Tickets: https://scenic.example/orders/o-1');
    expect(text).toContain(`1. Adult: ${code}`);
    expect(text).toContain(`3. Adult (group of 6): ${code}G`);
    expect(text.match(/Route: North Gate → Su Causeway → Broken Bridge/g)).toHaveLength(1);
  });
  it('never shows a whole code in logs', () => {
    expect(maskTicketCodes(text)).not.toContain(code);
    expect(maskTicketCodes(text)).toContain('(group of 6): SC1.••••');
    expect(maskTicketCodes(text)).toContain(`SC1.••••${code.slice(-4)}`);
    expect(redactCodes(text)).not.toContain(code);
  });
});
