/**
 * Price rules as configured per area (table `price_rules`, JSON params). Percentages
 * are in basis points (10000 = 100 %) so money never meets a float.
 */
export type PriceRule =
  | { kind: 'channel'; productId: string | null; params: { channelId: string; price?: number; bps?: number } }
  | {
      kind: 'calendar';
      productId: string | null;
      params: {
        label: string;
        dates?: string[];
        weekdays?: number[];
        from?: string;
        to?: string;
        bps: number;
      };
    }
  | { kind: 'early_bird'; productId: string | null; params: { before: string; bps: number } }
  | { kind: 'night'; productId: string | null; params: { after: string; bps: number } }
  | { kind: 'presale'; productId: string | null; params: { until: string; bps: number } }
  | { kind: 'member'; productId: string | null; params: { bps: number } };

export interface Coupon {
  code: string;
  kind: 'percent' | 'amount';
  /** bps for percent, minor units for amount */
  value: number;
  maxUses: number | null;
  used: number;
  stackable: boolean;
  minAmount: number;
  validFrom: Date | null;
  validUntil: Date | null;
}
