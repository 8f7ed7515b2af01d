import type { Condition, ConditionStatus } from '../api/types.js';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Sets one condition in a list, returning a new list. `lastTransitionTime` changes only
 * when the status changes; reason, message and observedGeneration follow the input.
 */
export function setCondition(
  list: Condition[] | undefined,
  c: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const current = list ?? [];
  const old = current.find((x) => x.type === c.type);
  const next: Condition = {
    type: c.type,
    status: c.status,
    observedGeneration: generation,
    lastTransitionTime:
      old && old.status === c.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    reason: c.reason,
    message: c.message,
  };
  if (generation === undefined) delete next.observedGeneration;
  return old ? current.map((x) => (x.type === c.type ? next : x)) : [...current, next];
}

export function setConditions(
  list: Condition[] | undefined,
  cs: ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return cs.reduce<Condition[]>((acc, c) => setCondition(acc, c, generation, now), list ?? []);
}

export const getCondition = (list: Condition[] | undefined, type: string) =>
  list?.find((c) => c.type === type);

/** Deep equality of JSON values, key order ignored: decides whether status needs writing. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(ra[k], rb[k]));
}
