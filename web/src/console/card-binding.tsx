import { useState } from 'preact/hooks';
import type { Order } from '../lib/api.js';
import { Notice, useUi } from '../lib/ui.js';
import { call } from './client.js';
import { fieldErrors, refusalText, TextField } from './field-errors.js';

/** `POST|DELETE /v1/cs/orders/:id/tickets/:ticketId/card` (core/cards/cards.ts CardBinding). */
interface CardBinding {
  ticketId: string;
  card: string | null;
}

const TEXT = {
  zh: {
    open: 'NFC 卡',
    uid: '卡号（十六进制）',
    bind: '绑定',
    unbind: '解绑',
    bound: '已绑定 {card}',
    unbound: '已解绑',
  },
  en: {
    open: 'NFC card',
    uid: 'Card UID (hex)',
    bind: 'Bind',
    unbind: 'Unbind',
    bound: 'Bound to {card}',
    unbound: 'Unbound',
  },
};

/** One ticket's card: type or scan the UID, bind; or unbind. The server checks the grant (`tickets.card`) and the UID. */
function TicketCard({ order, ticket }: { order: Order; ticket: Order['tickets'][number] }) {
  const x = TEXT[useUi().lang];
  const [uid, setUid] = useState('');
  const [err, setErr] = useState<string | undefined>(undefined);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const path = `/v1/cs/orders/${order.id}/tickets/${ticket.id}/card`;
  const send = async (method: 'POST' | 'DELETE') => {
    setErr(undefined);
    setNote(null);
    try {
      const b = await call<CardBinding>(
        path,
        method === 'POST' ? { method, body: { cardUid: uid } } : { method },
      );
      setNote({ kind: 'ok', text: b.card ? x.bound.replace('{card}', b.card) : x.unbound });
      setUid('');
    } catch (e) {
      setErr(fieldErrors(e).cardUid);
      setNote({ kind: 'error', text: refusalText(e, 'Correct the fields marked above.') });
    }
  };
  const id = `card-${ticket.id.slice(0, 8)}`;
  return (
    <form class="card-bind" data-ticket={ticket.id} onSubmit={(e) => (e.preventDefault(), void send('POST'))}>
      <p>
        <strong>{ticket.visitor.name}</strong> <span class="muted">{ticket.productId}</span>
      </p>
      <TextField id={id} label={x.uid} value={uid} onValue={setUid} msg={err} />
      <div class="actions">
        <button type="submit" class="primary" disabled={!uid.trim()}>
          {x.bind}
        </button>
        <button type="button" onClick={() => void send('DELETE')}>
          {x.unbind}
        </button>
      </div>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
    </form>
  );
}

/**
 * Binds an NFC/IC card to a valid ticket or annual pass of an order at the desk (issue 18):
 * the gate then admits the card by a tap. A refund takes the card off by itself.
 */
export function CardBindings({ order }: { order: Order }) {
  const x = TEXT[useUi().lang];
  const [open, setOpen] = useState(false);
  const valid = order.tickets.filter((t) => t.status === 'valid');
  if (!valid.length) return null;
  return (
    <div class="cards">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {x.open}
      </button>
      {open && valid.map((t) => <TicketCard key={t.id} order={order} ticket={t} />)}
    </div>
  );
}
