import { ApiError } from '../lib/api.js';

/** Field messages of a refused request (problem+json `errors`), by field path. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (e instanceof ApiError) for (const f of e.errors) out[f.path] ??= f.message;
  return out;
}

/** The message under a field, tied to it by `aria-describedby`. */
export function FieldMsg({ id, msg }: { id: string; msg: string | undefined }) {
  return (
    <p id={id} class={`field-msg${msg ? ' bad' : ''}`} role={msg ? 'alert' : undefined}>
      {msg ?? ''}
    </p>
  );
}

/** A labelled text input with its message under it (`<id>-msg`), as every console form has. */
export function TextField({
  id,
  label,
  value,
  onValue,
  msg,
  type = 'text',
  autocomplete,
}: {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  msg: string | undefined;
  type?: 'text' | 'password';
  autocomplete?: string;
}) {
  const props = {
    id,
    autocomplete,
    value,
    'aria-invalid': msg ? ('true' as const) : undefined,
    'aria-describedby': `${id}-msg`,
    onInput: (e: { currentTarget: HTMLInputElement }) => onValue(e.currentTarget.value),
  };
  return (
    <>
      <label for={id}>{label}</label>
      {/* preact types a password input apart from a text one */}
      {type === 'password' ? <input type="password" {...props} /> : <input {...props} />}
      <FieldMsg id={`${id}-msg`} msg={msg} />
    </>
  );
}
