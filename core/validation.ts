import type { z } from 'zod';
import { inputError, type CodeOf, type FieldIssue } from './errors.js';

/**
 * Parses untrusted input with a zod schema and turns every problem into an
 * `InputError` that names the offending fields, so no handler has to.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: CodeOf<'input'> = 'invalid_input',
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields: FieldIssue[] = r.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const first = fields[0];
  throw inputError(code, first ? `${first.path}: ${first.message}` : 'invalid input', fields);
}
