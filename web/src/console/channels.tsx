import { useState } from 'preact/hooks';
import { todayIn } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call } from './client.js';
import { useT } from './i18n.js';

/** `GET /v1/admin/areas/:areaId/channel-states` (core/channels/registry.ts `channelStates`). */
interface ChannelState {
  channelId: string;
  name: string;
  kind: 'online' | 'onsite';
  pausedByHand: boolean;
  blockedBy: string[];
  selling: boolean;
  quota: number | null;
  used: number;
}

/** Each channel's state on an area-day, paused or resumed with one tap and a reason (made for a phone). */
export function Channels({ areaId }: { areaId: string }) {
  const t = useT();
  const [date, setDate] = useState(() => todayIn('Asia/Shanghai'));
  const [reason, setReason] = useState('');
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const states = useFetch<{ channels: ChannelState[]; level: string }>(
    `/v1/admin/areas/${areaId}/channel-states?date=${date}`,
  );
  const flip = async (c: ChannelState) => {
    if (reason.trim().length === 0) return setNote({ kind: 'error', text: t.reasonNeeded });
    const action = c.pausedByHand ? 'resume' : 'pause';
    try {
      await call(`/v1/admin/areas/${areaId}/channels/${c.channelId}/${action}`, {
        method: 'POST',
        body: { reason: reason.trim() },
      });
      setNote({
        kind: 'ok',
        text: fmt(t.switched, { channel: c.name, state: action === 'pause' ? t.paused : t.selling }),
      });
      states.reload();
    } catch (e) {
      setNote({ kind: 'error', text: (e as Error).message });
    }
  };
  return (
    <section>
      <h2>{t.channels}</h2>
      <div class="grid">
        <div>
          <label for="c-date">{t.date}</label>
          <input id="c-date" type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} />
        </div>
        <div>
          <label for="c-reason">{t.reason}</label>
          <input
            id="c-reason"
            value={reason}
            maxLength={200}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </div>
      </div>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      {states.error && <Notice kind="error">{fmt(t.error, { msg: states.error.message })}</Notice>}
      <ul class="rows channels" data-testid="channels">
        {(states.data?.channels ?? []).map((c) => (
          <li key={c.channelId} data-channel={c.channelId} data-paused={String(c.pausedByHand)}>
            <div>
              <strong>{c.name}</strong> <span class="muted">{c.channelId}</span>
              <div class={c.selling ? 'state ok' : 'state no'}>
                {c.selling ? t.selling : fmt(t.blocked, { why: c.blockedBy.join(', ') })}
                {c.quota !== null && ` · ${c.used}/${c.quota}`}
              </div>
            </div>
            <button
              type="button"
              class={c.pausedByHand ? 'primary' : 'danger'}
              aria-label={`${c.pausedByHand ? t.resume : t.pause} ${c.name}`}
              onClick={() => void flip(c)}
            >
              {c.pausedByHand ? t.resume : t.pause}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
