import { checkIdDocument, type IdType } from '../../../core/pii/id-number.js';
import { useUi } from '../lib/ui.js';

export interface VisitorDraft {
  productId: string;
  name: string;
  idType: IdType;
  idNumber: string;
}

const ID_TYPES: IdType[] = ['cn_resident', 'passport', 'hk_macau_permit', 'taiwan_permit'];

/** The same check as the server (core/pii/id-number.ts, GB 11643), run as the visitor types. */
export function idProblem(v: VisitorDraft, today = new Date()): string | null {
  if (!v.idNumber.trim()) return null;
  const c = checkIdDocument(v.idType, v.idNumber, today);
  return c.ok ? null : c.reason;
}

/** Name, ID type and ID number of one visitor, validated as typed. */
export function VisitorFields({
  n,
  title,
  v,
  serverError,
  onChange,
}: {
  n: number;
  title: string;
  v: VisitorDraft;
  serverError?: string | undefined;
  onChange: (v: VisitorDraft) => void;
}) {
  const { t } = useUi();
  const problem = idProblem(v);
  const complete =
    v.idType === 'cn_resident' ? v.idNumber.trim().length >= 18 : v.idNumber.trim().length >= 5;
  const msg =
    problem && (complete || problem !== 'id_format') ? t.idBad[problem as keyof typeof t.idBad] : serverError;
  const ok = !problem && complete && !serverError;
  const base = `v${n}`;
  return (
    <fieldset class="visitor">
      <legend>{title}</legend>
      <label for={`${base}-name`}>{t.name}</label>
      <input
        id={`${base}-name`}
        name={`${base}-name`}
        autocomplete="name"
        value={v.name}
        required
        maxLength={64}
        onInput={(e) => onChange({ ...v, name: e.currentTarget.value })}
      />
      <label for={`${base}-type`}>{t.idType}</label>
      <select
        id={`${base}-type`}
        value={v.idType}
        onChange={(e) => onChange({ ...v, idType: e.currentTarget.value as IdType })}
      >
        {ID_TYPES.map((x) => (
          <option value={x} key={x}>
            {t.idTypes[x]}
          </option>
        ))}
      </select>
      <label for={`${base}-id`}>{t.idNumber}</label>
      <input
        id={`${base}-id`}
        name={`${base}-id`}
        value={v.idNumber}
        required
        autocomplete="off"
        autocapitalize="characters"
        inputMode={v.idType === 'cn_resident' ? 'numeric' : 'text'}
        maxLength={32}
        aria-invalid={msg ? 'true' : 'false'}
        aria-describedby={`${base}-id-msg`}
        onInput={(e) => onChange({ ...v, idNumber: e.currentTarget.value.toUpperCase() })}
      />
      <p id={`${base}-id-msg`} class={`field-msg ${msg ? 'bad' : ok ? 'good' : ''}`} aria-live="polite">
        {msg ?? (ok ? `✓ ${t.idOk}` : '\u00a0')}
      </p>
    </fieldset>
  );
}
