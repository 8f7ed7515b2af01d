import { useState } from 'preact/hooks';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call } from './client.js';
import { useT } from './i18n.js';

/** `GET /v1/admin/areas/:areaId/flags` (core/checkin/ledger.ts `DoubleEntryFlag`). */
interface Flag {
  id: number;
  ticketId: string;
  entriesAllowed: number;
  entriesSeen: number;
  gateIds: string[];
  status: 'open' | 'cleared' | 'resolved';
  resolvedBy: string | null;
  createdAt: string;
}

function FlagItem({ areaId, flag, onResolved }: { areaId: string; flag: Flag; onResolved: () => void }) {
  const t = useT();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const resolve = async () => {
    setError(null);
    try {
      await call(`/v1/admin/areas/${areaId}/flags/${flag.id}/resolve`, {
        method: 'POST',
        body: { note: note.trim() },
      });
      onResolved();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <li data-flag={flag.id} data-status={flag.status}>
      <div>
        <strong>
          {t.ticket} {flag.ticketId.slice(0, 8)}
        </strong>{' '}
        <span class="badge">{flag.status}</span>
        <div class="muted">
          {fmt(t.seen, { seen: flag.entriesSeen, allowed: flag.entriesAllowed })} · {t.gates}{' '}
          {flag.gateIds.join(', ')} · {new Date(flag.createdAt).toLocaleString()}
        </div>
        {flag.status === 'resolved' ? (
          <div class="muted">{fmt(t.resolvedBy, { who: flag.resolvedBy ?? '' })}</div>
        ) : (
          <form class="inline" onSubmit={(e) => (e.preventDefault(), void resolve())}>
            <label for={`f-note-${flag.id}`}>{t.note}</label>
            <input id={`f-note-${flag.id}`} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            <button type="submit" class="primary" disabled={note.trim().length < 3}>
              {t.resolve}
            </button>
          </form>
        )}
        {error && <Notice kind="error">{error}</Notice>}
      </div>
    </li>
  );
}

/** Double entries the gates flagged, newest last; resolve each with a note (audited). */
export function Flags({ areaId }: { areaId: string }) {
  const t = useT();
  const list = useFetch<{ items: Flag[] }>(`/v1/admin/areas/${areaId}/flags`);
  const items = list.data?.items ?? [];
  return (
    <section>
      <h2>{t.flags}</h2>
      {list.error && <Notice kind="error">{fmt(t.error, { msg: list.error.message })}</Notice>}
      {list.data && !items.some((f) => f.status === 'open') && <p class="muted">{t.noFlags}</p>}
      <ul class="rows" data-testid="flags">
        {items.map((f) => (
          <FlagItem key={f.id} areaId={areaId} flag={f} onResolved={list.reload} />
        ))}
      </ul>
    </section>
  );
}
