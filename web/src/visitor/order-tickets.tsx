import type { Area, Order } from '../lib/api.js';
import { fmt } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { Notice, useUi } from '../lib/ui.js';

/** The order's valid tickets, one large QR each, then the ones that no longer admit anyone. */
export function TicketList({ order, area }: { order: Order; area: Area | null }) {
  const { t } = useUi();
  const live = order.tickets.filter((x) => x.status === 'valid' && x.code);
  const gone = order.tickets.filter((x) => x.status !== 'valid');
  const productName = (pid: string) => area?.products.find((p) => p.id === pid)?.name ?? pid;
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
              {productName(x.productId)} · {x.visitor.name} · {t.ticketStatus[x.status]}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
