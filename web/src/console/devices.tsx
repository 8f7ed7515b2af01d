import { useState } from 'preact/hooks';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call } from './client.js';
import { FieldMsg, fieldErrors } from './field-errors.js';
import { useT, type ConsoleDict } from './i18n.js';

/** `GET /v1/admin/device-keys` (core/auth/device-keys.ts `DeviceKeyView`). */
interface DeviceKey {
  id: string;
  name: string;
  kind: 'box-office' | 'kiosk' | 'handheld' | null;
  channelId: string | null;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: string | null;
}

type Kind = 'kiosk' | 'handheld' | 'box-office';
const kindLabel = (t: ConsoleDict, k: DeviceKey['kind']) =>
  k === 'kiosk' ? t.kiosk : k === 'handheld' ? t.handheld : k === 'box-office' ? t.boxOffice : '—';

/** Device keys of the area: issue one (its secret shown once, here), revoke one. */
export function Devices({ areaId }: { areaId: string }) {
  const t = useT();
  const list = useFetch<{ items: DeviceKey[] }>(`/v1/admin/device-keys?areaId=${areaId}`);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('kiosk');
  const [shown, setShown] = useState<{ id: string; key: string } | null>(null);
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    setErrs({});
    setError(null);
    try {
      const r = await call<{ device: DeviceKey; key: string }>('/v1/admin/device-keys', {
        method: 'POST',
        // each kind sells through the on-site channel of its own name
        body: { name: name.trim(), kind, areas: [areaId], channelId: kind },
      });
      setShown({ id: r.device.id, key: r.key });
      setName('');
      list.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setError((e as Error).message);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await call(`/v1/admin/device-keys/${id}`, { method: 'DELETE' });
      if (shown?.id === id) setShown(null);
      list.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <h2>{t.devices}</h2>
      <form class="panel" onSubmit={(e) => (e.preventDefault(), void create())}>
        <h3>{t.newKey}</h3>
        <div class="grid">
          <div>
            <label for="d-name">{t.name}</label>
            <input
              id="d-name"
              value={name}
              aria-invalid={errs.name ? 'true' : undefined}
              aria-describedby="d-name-msg"
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <FieldMsg id="d-name-msg" msg={errs.name} />
          </div>
          <div>
            <label for="d-kind">{t.deviceKind}</label>
            <select id="d-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
              <option value="kiosk">{t.kiosk}</option>
              <option value="handheld">{t.handheld}</option>
              <option value="box-office">{t.boxOffice}</option>
            </select>
          </div>
        </div>
        <button type="submit" class="primary" disabled={!name.trim()}>
          {t.create}
        </button>
      </form>
      {shown && (
        <Notice kind="warn">
          {t.keyOnce} <code data-testid="new-key">{shown.key}</code>
        </Notice>
      )}
      {error && <Notice kind="error">{fmt(t.error, { msg: error })}</Notice>}
      <ul class="rows" data-testid="device-keys">
        {(list.data?.items ?? []).map((k) => (
          <li key={k.id} data-key={k.id} data-status={k.status}>
            <div>
              <strong>{k.name}</strong> <span class="muted">{k.id}</span>
              <div class="muted">
                {kindLabel(t, k.kind)} · {k.channelId ?? '—'} ·{' '}
                {k.status === 'active' ? t.active : k.status === 'revoked' ? t.revoked : t.expired}
              </div>
            </div>
            {k.status === 'active' && (
              <button
                type="button"
                class="danger"
                aria-label={`${t.revoke} ${k.name}`}
                onClick={() => void revoke(k.id)}
              >
                {t.revoke}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
