import { resolveArea, type ResolvedArea } from '../api/defaults.js';
import { localDate } from '../../core/time.js';
import type { SalesWindow, ScenicArea } from '../api/types.js';

/** A failed check: a CamelCase reason (reused in conditions and Events) and a message. */
export interface PolicyViolation {
  reason: string;
  message: string;
}
export type Policy<I> = (input: I) => PolicyViolation | undefined;

/** Runs policies in order; the first violation wins. */
export function firstViolation<I>(chain: readonly Policy<I>[], input: I): PolicyViolation | undefined {
  for (const p of chain) {
    const v = p(input);
    if (v) return v;
  }
  return undefined;
}

export interface AreaInput {
  area: ScenicArea;
  resolved: ResolvedArea;
  /** Every other ScenicArea the operator sees. */
  others: ScenicArea[];
}

/** Checks the schema and CEL cannot express; schema-level ones are refused by the API server. */
export const timezoneIsKnown: Policy<AreaInput> = ({ resolved }) => {
  try {
    localDate(new Date(0), resolved.timezone);
    return undefined;
  } catch {
    return { reason: 'InvalidTimezone', message: `timezone "${resolved.timezone}" is not an IANA time zone` };
  }
};

/** Two areas on one data plane with one areaId would share stock: the younger one is refused. */
export const areaIdIsUnique: Policy<AreaInput> = ({ area, resolved, others }) => {
  const mine = [area.metadata.creationTimestamp ?? '', `${area.metadata.namespace}/${area.metadata.name}`];
  for (const o of others) {
    if (o.metadata.uid === area.metadata.uid) continue;
    const r = resolveArea(o);
    if (r.areaId !== resolved.areaId || r.redisPrefix !== resolved.redisPrefix) continue;
    const theirs = [o.metadata.creationTimestamp ?? '', `${o.metadata.namespace}/${o.metadata.name}`];
    if (theirs[0]! < mine[0]! || (theirs[0] === mine[0] && theirs[1]! < mine[1]!))
      return {
        reason: 'AreaIdConflict',
        message: `areaId "${resolved.areaId}" is already used by ScenicArea ${theirs[1]}`,
      };
  }
  return undefined;
};

export const areaPolicies: readonly Policy<AreaInput>[] = [timezoneIsKnown, areaIdIsUnique];

export interface WindowInput {
  window: SalesWindow;
  area: ScenicArea | undefined;
}

export const windowAreaExists: Policy<WindowInput> = ({ window, area }) =>
  area
    ? undefined
    : {
        reason: 'AreaNotFound',
        message: `ScenicArea "${window.spec.areaRef.name}" does not exist in namespace ${window.metadata.namespace}`,
      };

export const windowChannelsDeclared: Policy<WindowInput> = ({ window, area }) => {
  const declared = new Set((area?.spec.channels ?? []).map((c) => c.name));
  const unknown = window.spec.channels.filter((c) => !declared.has(c));
  return unknown.length
    ? {
        reason: 'UnknownChannel',
        message: `channels not declared in ScenicArea ${area?.metadata.name}: ${unknown.join(', ')}`,
      }
    : undefined;
};

export const windowPolicies: readonly Policy<WindowInput>[] = [windowAreaExists, windowChannelsDeclared];
