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
