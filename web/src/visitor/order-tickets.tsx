import type { Area, Order } from '../lib/api.js';
import { fmt } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { useAreaNames } from './joint-sale.js';

const VALID_AT = { zh: '限 {area} 入园一次', en: 'Admits once at {area}' } as const;

/** The order's valid tickets, one large QR each, then the ones that no longer admit anyone. */
export function TicketList({ order, area }: { order: Order; area: Area | null }) {
  const { t, lang } = useUi();
  const live = order.tickets.filter((x) => x.status === 'valid' && x.code);
  const gone = order.tickets.filter((x) => x.status !== 'valid');
  // a joint order's product is not one of the area's: its name comes from the joint products
  const jointNames = useFetch<{ items: { id: string; name: string }[] }>(
    order.tickets.some((x) => x.areaId !== order.areaId) ? '/v1/joint-products' : null,
  );
  const productName = (pid: string) =>
    area?.products.find((p) => p.id === pid)?.name ??
    jointNames.data?.items.find((p) => p.id === pid)?.name ??
    pid;
  // a joint order has a ticket per visitor per area (issue 18): say where each one admits
  const joint = new Set(order.tickets.map((x) => x.areaId)).size > 1;
  const names = useAreaNames(joint ? order.tickets.map((x) => x.areaId) : []);
  const areaName = (id: string) => names[id] ?? id;
  return (
    <>
      {live.length > 0 && (
        <>
          <p class="big center">{t.showQr}</p>
          <ol class="tickets">
            {live.map((x, i) => (
              <li key={x.id} class="ticket" data-testid="ticket">
                <Qr text={x.code!} label={`${t.ticket} ${i + 1}: ${x.visitor.name}`} />
                <p class="center">
                  <strong>{fmt(t.ticketOf, { n: i + 1, total: live.length })}</strong> ·{' '}
                  {productName(x.productId)} · {x.visitor.name} · {x.visitor.idNumber}
                </p>
                {joint && (
                  <p class="center valid-at" data-area={x.areaId}>
                    {fmt(VALID_AT[lang], { area: areaName(x.areaId) })}
                  </p>
                )}
              </li>
            ))}
          </ol>
          <p class="muted center">✓ {t.savedOffline}</p>
          <Notice kind="info">{t.late}</Notice>
        </>
      )}
      {gone.length > 0 && (
        <ul class="plain">
          {gone.map((x) => (
            <li key={x.id}>
              {productName(x.productId)} · {x.visitor.name}
              {joint ? ` · ${areaName(x.areaId)}` : ''} · {t.ticketStatus[x.status]}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
