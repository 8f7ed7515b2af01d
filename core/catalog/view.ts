import type { AreaConfig, Product, Slot } from './catalog.js';
import { viewPolicy, type PolicyView } from '../policies/describe.js';

/**
 * What the public API shows of an area (`GET /v1/areas/:areaId`): enough to draw the
 * booking page, nothing about quotas, price rules or thresholds. The web pages import
 * these types (type-only), so the page and the server cannot drift apart.
 */
export type ProductView = Pick<
  Product,
  | 'id'
  | 'name'
  | 'kind'
  | 'basePrice'
  | 'currency'
  | 'persons'
  | 'entriesAllowed'
  | 'freeReschedule'
  | 'components'
  | 'visitRoute'
  | 'group'
> & { policy: PolicyView };

export interface AreaView {
  id: string;
  name: string;
  timezone: string;
  dailyCapacity: number;
  entrances: { id: string; name: string }[];
  slots: Slot[];
  products: ProductView[];
}

/** The public view of an area's catalog. */
export function viewArea(a: AreaConfig): AreaView {
  return {
    id: a.id,
    name: a.name,
    timezone: a.timezone,
    dailyCapacity: a.dailyCapacity,
    entrances: a.entrances,
    slots: a.slots,
    products: [...a.products.values()].map((x) => ({
      id: x.id,
      name: x.name,
      kind: x.kind,
      basePrice: x.basePrice,
      currency: x.currency,
      persons: x.persons,
      entriesAllowed: x.entriesAllowed,
      freeReschedule: x.freeReschedule,
      components: x.components,
      policy: viewPolicy(x.policy),
      visitRoute: x.visitRoute,
      group: x.group,
    })),
  };
}
