import { useState } from 'preact/hooks';
import { api, newKey, type Order, type RefundResult } from '../lib/api.js';
import { fmt, REFUND_REASONS } from '../lib/i18n.js';
import { session } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';

/** Refund of the unused tickets, with one of the server's reasons and an optional note. */
export function RefundForm({
  order,
  token,
  onDone,
}: {
  order: Order;
  token: string | null;
  onDone: (o: Order, amount: number) => void;
}) {
  const { t } = useUi();
  const [reason, setReason] = useState<(typeof REFUND_REASONS)[number]>('change_of_plans');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [key] = useState(newKey);
  const submit = async () => {
    setBusy(true);
    try {
      const r = await api<RefundResult>(`/v1/orders/${order.id}/refunds`, {
        method: 'POST',
        idempotencyKey: key,
        orderToken: token,
        auth: token ? null : session(),
        body: { reason, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      onDone(r.order, r.refund.amount);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <label for="refund-reason">{t.refundReason}</label>
      <select
        id="refund-reason"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value as typeof reason)}
      >
        {REFUND_REASONS.map((r) => (
          <option key={r} value={r}>
            {t.reasons[r]}
          </option>
        ))}
      </select>
      <label for="refund-note">{t.refundNote}</label>
      <textarea
        id="refund-note"
        rows={2}
        maxLength={500}
        value={note}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      <button type="submit" class="primary danger" disabled={busy}>
        {t.confirmRefund}
      </button>
    </form>
  );
}
