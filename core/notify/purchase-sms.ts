import type { AreaConfig } from '../catalog/catalog.js';
import { TOKEN_PREFIX } from '../tickets/token.js';

/**
 * The purchase SMS (issue 18): the order's link, each valid ticket's code (the signed QR
 * payload, which a handheld or the page's QR renders) and the visiting route its product
 * declares. Names and ID numbers stay out of it. Pure.
 */
export interface PurchaseSms {
  area: Pick<AreaConfig, 'name' | 'slots' | 'products'>;
  order: { id: string; date: string; slotId: string };
  /** `group`: a group ticket's party size (core/groups): one code admits the whole party */
  tickets: { productId: string; code: string | null; group?: number }[];
  baseUrl: string;
}

export function purchaseSmsText(s: PurchaseSms): string {
  const slot = s.area.slots.find((x) => x.id === s.order.slotId);
  const when = slot ? `${s.order.date} ${slot.startsAt}-${slot.endsAt}` : s.order.date;
  const lines = [`${s.area.name} ${when}. Tickets: ${s.baseUrl}/orders/${s.order.id}`];
  s.tickets.forEach((t, i) => {
    const party = t.group ? ` (group of ${t.group})` : '';
    if (t.code)
      lines.push(`${i + 1}. ${s.area.products.get(t.productId)?.name ?? t.productId}${party}: ${t.code}`);
  });
  const routes = [
    ...new Set(s.tickets.map((t) => s.area.products.get(t.productId)?.visitRoute).filter(Boolean)),
  ];
  for (const r of routes) lines.push(`Route: ${r}`);
  return lines.join('\n');
}

/** A ticket code as logs may show it: the prefix and its last four characters. */
export const maskTicketCodes = (text: string): string =>
  text.replace(
    new RegExp(`${TOKEN_PREFIX.replace('.', '\\.')}[A-Za-z0-9_-]+`, 'g'),
    (m) => `${TOKEN_PREFIX}••••${m.slice(-4)}`,
  );
