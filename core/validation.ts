import type { z } from 'zod';
import { inputError, type CodeOf, type FieldIssue } from './errors.js';

/**
 * Parses untrusted input with a zod schema and turns every problem into an
 * `InputError` that names the offending fields, so no handler has to.
 *
 * Before the schema sees the value, {@link inputShapeIssue} refuses what no schema
 * should have to think about and what would otherwise surface as a 500 further down:
 * a NUL character (Postgres refuses it in text), nesting deeper than
 * {@link MAX_INPUT_DEPTH} (recursive validation would overflow the stack), and two
 * elements of one array with the same `id` or `code` (a declaration naming one thing
 * twice). After it, every number of the parsed value must fit a 32-bit integer column
 * ({@link MAX_INPUT_INTEGER}): no input of the API legitimately needs more.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: CodeOf<'input'> = 'invalid_input',
): z.output<S> {
  const before = inputShapeIssue(value);
  if (before) throw inputError(code, `${before.path}: ${before.message}`, [before]);
  const r = schema.safeParse(value);
  if (r.success) {
    const after = numberRangeIssue(r.data);
    if (after) throw inputError(code, `${after.path}: ${after.message}`, [after]);
    return r.data;
  }
  const fields: FieldIssue[] = r.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const first = fields[0];
  throw inputError(code, first ? `${first.path}: ${first.message}` : 'invalid input', fields);
}

/** Deepest nesting of objects and arrays an input may have (the deepest real one is 5). */
export const MAX_INPUT_DEPTH = 32;
/** Largest magnitude of a number in an input: what a Postgres `integer` column holds. */
export const MAX_INPUT_INTEGER = 2 ** 31 - 1;
/** Keys whose values must be unique among the objects of one array. */
const UNIQUE_KEYS = ['id', 'code'] as const;

const pathOf = (parts: readonly (string | number)[]) => parts.map(String).join('.') || '(root)';

type Visit = { v: unknown; path: (string | number)[] };

/**
 * The first structural problem of a raw input (JSON body, query, params), found without
 * recursion, so a body nested 30,000 deep is refused instead of overflowing the stack.
 */
export function inputShapeIssue(value: unknown): FieldIssue | undefined {
  const stack: Visit[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: pathOf(path), message: 'must not contain a NUL character' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= MAX_INPUT_DEPTH)
      return { path: pathOf(path), message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(v)) {
      const dup = duplicateIssue(v, path);
      if (dup) return dup;
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000')) return { path: pathOf([...path, k]), message: 'key holds a NUL character' };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return undefined;
}

function duplicateIssue(list: readonly unknown[], path: (string | number)[]): FieldIssue | undefined {
  for (const key of UNIQUE_KEYS) {
    const seen = new Set<unknown>();
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (e === null || typeof e !== 'object' || Array.isArray(e)) continue;
      const id = (e as Record<string, unknown>)[key];
      if (typeof id !== 'string' && typeof id !== 'number') continue;
      if (seen.has(id)) return { path: pathOf([...path, i, key]), message: `duplicate ${key} ${String(id)}` };
      seen.add(id);
    }
  }
  return undefined;
}

/** The first number of a parsed value that does not fit a 32-bit integer column. */
export function numberRangeIssue(value: unknown): FieldIssue | undefined {
  const stack: Visit[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Math.abs(v) > MAX_INPUT_INTEGER)
        return {
          path: pathOf(path),
          message: `must be between -${MAX_INPUT_INTEGER} and ${MAX_INPUT_INTEGER}`,
        };
      continue;
    }
    if (v === null || typeof v !== 'object' || v instanceof Date || path.length > MAX_INPUT_DEPTH) continue;
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
    for (const [k, child] of entries) stack.push({ v: child, path: [...path, k] });
  }
  return undefined;
}
