import { ageOn } from '../pii/id-number.js';
import { maskIdNumber, maskName } from '../pii/mask.js';
import { describeBand, eligibilityOf, hasAgeBand, inBand } from '../catalog/eligibility.js';
import type { Product } from '../catalog/catalog.js';

/** A traveller as the sale sees them, once their ID number is checked. */
export interface Traveller {
  name: string;
  idNumber: string;
  /** from a mainland resident ID (digits 7–14); none on passports and permits */
  birthDate?: string;
}

/**
 * Issue 17 item 11: a concession ticket (senior, child, any product with an age band) is
 * sold only to a traveller whose resident ID puts them inside the band on the visit date.
 * Passports and permits carry no birth date the sale can read: they are sold, and the
 * gate's answer tells staff to check a document (`staffChecks`). Answers the refusal's
 * message (naming the traveller, masked), or undefined when the traveller may travel.
 */
export function concessionRefusal(product: Product, t: Traveller, visitDate: string): string | undefined {
  const band = eligibilityOf(product);
  if (!hasAgeBand(band) || !t.birthDate) return undefined;
  const years = ageOn(t.birthDate, visitDate);
  if (inBand(band, years)) return undefined;
  return (
    `${maskName(t.name)} (${maskIdNumber(t.idNumber)}) is ${years} on ${visitDate}; ` +
    `${product.name} is for travellers ${describeBand(band)}`
  );
}
