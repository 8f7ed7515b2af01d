import { resolveArea, type ResolvedArea } from '../api/defaults.js';
import { localDate } from '../../core/time.js';
import type { SalesWindow, ScenicArea } from '../api/types.js';
import { hookAllowed, imageAllowed, type TenancyPolicy } from './tenancy.js';

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
  tenancy: TenancyPolicy;
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

const claimOrder = (a: ScenicArea) => [
  a.metadata.creationTimestamp ?? '',
  `${a.metadata.namespace}/${a.metadata.name}`,
];
/** Whether `o` claimed first (older; the name breaks a tie). */
const claimedBefore = (o: ScenicArea, area: ScenicArea) => {
  const [t, n] = claimOrder(o);
  const [mt, mn] = claimOrder(area);
  return t! < mt! || (t === mt && n! < mn!);
};

/**
 * An area id names one area of the whole platform (its catalog rows, its orders, its
 * Redis keys, its capacity events), whatever the prefix: the younger claimant is refused
 * and nothing is reconciled for it. The data plane also binds the id to the namespace
 * that claimed it (core/catalog/declare.ts), which holds across operators and restarts.
 */
export const areaIdIsUnique: Policy<AreaInput> = ({ area, resolved, others }) => {
  for (const o of others) {
    if (o.metadata.uid === area.metadata.uid || resolveArea(o).areaId !== resolved.areaId) continue;
    if (!claimedBefore(o, area)) continue;
    const sameNs = o.metadata.namespace === area.metadata.namespace;
    return sameNs
      ? {
          reason: 'AreaIdConflict',
          message: `areaId "${resolved.areaId}" is already used by ScenicArea ${o.metadata.namespace}/${o.metadata.name}`,
        }
      : { reason: 'AreaIdTaken', message: `areaId "${resolved.areaId}" belongs to another namespace` };
  }
  return undefined;
};

/** A Redis prefix is one tenant's partition of the data plane: another namespace may not use it. */
export const redisPrefixIsOwn: Policy<AreaInput> = ({ area, resolved, others }) => {
  for (const o of others) {
    if (
      o.metadata.namespace === area.metadata.namespace ||
      resolveArea(o).redisPrefix !== resolved.redisPrefix
    )
      continue;
    if (claimedBefore(o, area))
      return {
        reason: 'RedisPrefixTaken',
        message: `redisPrefix "${resolved.redisPrefix}" belongs to another namespace; choose one of this namespace's own`,
      };
  }
  return undefined;
};

/** The operator runs only the platform's images. */
export const imageIsAllowed: Policy<AreaInput> = ({ area, tenancy }) =>
  imageAllowed(area.spec.image, tenancy)
    ? undefined
    : {
        reason: 'ImageNotAllowed',
        message: `image "${area.spec.image}" is not from an allowed repository (operator setting SCENIC_IMAGE_ALLOWLIST)`,
      };

/** The operator posts only to https origins the platform allows (no blind SSRF from a spec). */
export const hooksAreAllowed: Policy<AreaInput> = ({ area, tenancy }) => {
  const bad = (area.spec.hooks ?? []).filter((h) => !hookAllowed(h.url, tenancy));
  return bad.length
    ? {
        reason: 'HookNotAllowed',
        message: `hook ${bad.map((h) => h.name).join(', ')}: the URL must be https on an allowed origin (operator setting SCENIC_HOOK_ALLOWLIST)`,
      }
    : undefined;
};

/**
 * The zone worker posts diversion messages to the signage a spec declares: the same allow-list as
 * hooks, or a tenant could make the platform post to any address it can reach (issue 21, 17.13).
 */
export const signageIsAllowed: Policy<AreaInput> = ({ area, tenancy }) => {
  const bad = (area.spec.diversion?.signage ?? []).filter((s) => !hookAllowed(s.url, tenancy));
  return bad.length
    ? {
        reason: 'SignageNotAllowed',
        message: `signage ${bad.map((s) => s.name).join(', ')}: the URL must be https or a listed http origin (operator setting SCENIC_HOOK_ALLOWLIST)`,
      }
    : undefined;
};

export const areaPolicies: readonly Policy<AreaInput>[] = [
  timezoneIsKnown,
  areaIdIsUnique,
  redisPrefixIsOwn,
  imageIsAllowed,
  hooksAreAllowed,
  signageIsAllowed,
];

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
