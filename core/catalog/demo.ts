import type { z } from 'zod';

import type { AreaDefinition } from './definition.js';
import { AreaDefinition as AreaSchema } from './definition.js';

/** What a caller may override: the declaration's input form, so products can leave their defaults out. */
export type AreaOverrides = Partial<z.input<typeof AreaSchema>> & { id?: string };

/**
 * The demo scenic area (also the default fixture of the tests): 5,000 visitors a day
 * over 9 time slots, the brief's early-bird (80 % before 08:00) and night (70 % from
 * 17:00) prices, a summer peak surcharge and two coupons.
 */
export function demoArea(over: AreaOverrides = {}): AreaDefinition {
  const slots = ['07:00', '08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '17:00'].map(
    (start) => {
      const h = Number(start.slice(0, 2)) + 1;
      return {
        id: start.replace(':', ''),
        startsAt: start,
        endsAt: `${String(h).padStart(2, '0')}:00`,
        capacity: 600,
      };
    },
  );
  return AreaSchema.parse({
    id: 'west-lake',
    name: 'West Lake Scenic Area',
    dailyCapacity: 5000,
    instantCapacity: 2500,
    entrances: [
      { id: 'north-gate', name: 'North Gate' },
      { id: 'south-gate', name: 'South Gate' },
      { id: 'east-gate', name: 'East Gate' },
    ],
    slots,
    products: [
      { id: 'adult', name: 'Adult', kind: 'adult', basePrice: 8000, freeReschedule: true },
      { id: 'child', name: 'Child (1.2–1.5 m)', kind: 'child', basePrice: 4000, freeReschedule: true },
      { id: 'senior', name: 'Senior (60+)', kind: 'senior', basePrice: 4000 },
      { id: 'student', name: 'Student', kind: 'student', basePrice: 5000 },
      { id: 'family', name: 'Family (2 adults + 1 child)', kind: 'family', basePrice: 18000, persons: 3 },
      {
        id: 'combo-boat',
        name: 'Entry + lake boat + evening show',
        kind: 'combo',
        basePrice: 22000,
        components: [
          { item: 'entry', name: 'Entry' },
          { item: 'boat', name: 'Lake boat' },
          { item: 'show', name: 'Evening show' },
        ],
      },
    ],
    quotas: [{ channelId: 'mini', shareBps: 3000 }],
    priceRules: [
      { kind: 'early_bird', params: { before: '08:00', bps: 8000 } },
      { kind: 'night', params: { after: '17:00', bps: 7000 } },
      {
        kind: 'calendar',
        params: { label: 'National Day peak', from: '2026-10-01', to: '2026-10-07', bps: 12000 },
      },
    ],
    coupons: [
      { code: 'WELCOME10', kind: 'percent', value: 1000 },
      { code: 'SUMMER20', kind: 'amount', value: 2000, minAmount: 10000, maxUses: 1000 },
    ],
    ...over,
  });
}
