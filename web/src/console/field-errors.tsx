import { ApiError } from '../lib/api.js';

/** Field messages of a refused request (problem+json `errors`), by field path. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (e instanceof ApiError) for (const f of e.errors) out[f.path] ??= f.message;
  return out;
}

/**
 * What the notice under a refused form says: the server's words, unless the refusal names
 * fields — their messages are under their inputs already, and the notice would only add the
 * raw paths (`sessions.0.startsAt: HH:MM (24h)`).
 */
export function refusalText(e: unknown, fixMarked: string): string {
  return Object.keys(fieldErrors(e)).length > 0 ? fixMarked : (e as Error).message;
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

/**
 * The first message at `path` or under it (`areas` takes `areas.0.slotId` too): the field
 * that sent a list shows what the server said of any of its items.
 */
export function errorUnder(errs: Record<string, string>, path: string): string | undefined {
  if (errs[path]) return errs[path];
  const k = Object.keys(errs).find((p) => p.startsWith(`${path}.`));
  return k === undefined ? undefined : `${k.slice(path.length + 1)}: ${errs[k]}`;
}

/** Yuan as typed in a form, to fen; -1 (which the server refuses, naming the field) when it is not a number. */
export const fenOf = (yuan: string): number => {
  const n = Number(yuan);
  return yuan.trim() !== '' && Number.isFinite(n) ? Math.round(n * 100) : -1;
};

/** A whole number as typed; NaN goes to the server as null, which it refuses naming the field. */
export const intOf = (s: string): number | null => {
  const n = Number(s);
  return s.trim() !== '' && Number.isInteger(n) ? n : null;
};

/** A comma- or space-separated list as typed. */
export const listOf = (s: string): string[] =>
  s
    .split(/[\s,，]+/)
    .map((x) => x.trim())
    .filter(Boolean);
