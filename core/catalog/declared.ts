import { z } from 'zod';
import { DiversionDeclaration, ZoneDeclaration } from '../zones/model.js';
import { DeclaredProduct } from './declare-products.js';
import { sameJson } from './same-json.js';
import { Closures } from './closures.js';

export { sameJson };

/**
 * What a Kubernetes resource (a ScenicArea) declares about an area, in the catalog's
 * terms (ADR 0010). These fields are owned by Kubernetes: the operator writes them, the
 * admin API and the console show them read-only and refuse to change them. Everything
 * else about an area (its name, entrances' names, products, prices, rules, coupons, the
 * per-ID limit, quotas of channels the resource does not declare) is the catalog's.
 * An optional field the resource leaves out is not declared: the catalog keeps its own.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase letters, digits, : _ - (max 63)');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24h)');
const units = z.number().int().min(1).max(10_000_000);
const percent = z.number().int().min(1).max(100);

export const DeclaredFields = z
  .object({
    timezone: z.string().min(1).max(64),
    dailyCapacity: units,
    instantCapacity: units.optional(),
    thresholds: z
      .object({ yellow: percent, orange: percent, red: percent })
      .refine(
        (t) => t.yellow < t.orange && t.orange <= t.red,
        'thresholds must satisfy yellow < orange <= red',
      ),
    slots: z
      .array(
        z
          .object({ id: slug, startsAt: hhmm, endsAt: hhmm.or(z.literal('24:00')), capacity: units })
          .refine((s) => s.startsAt < s.endsAt, 'slot must end after it starts'),
      )
      .min(1)
      .max(48)
      .optional(),
    /** every declared channel's quota per day; null = none */
    channels: z
      .array(z.object({ id: slug, quota: z.number().int().min(0).max(10_000_000).nullable() }))
      .max(32)
      .optional(),
    /** days the area does not open; left out: the catalog's own */
    closures: Closures.optional(),
    /** zones inside the park (issue 21); left out: the area keeps the zones it has */
    zones: z.array(ZoneDeclaration).max(64).optional(),
    /** how visitors are diverted between the zones */
    diversion: DiversionDeclaration.optional(),
    /** per product: refund/reschedule policy, visiting route, group tiers (issue 18) */
    products: z.array(DeclaredProduct).max(64).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const ids = (f.zones ?? []).map((z) => z.id);
    const known = new Set(ids);
    if (known.size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['zones'], message: 'zone ids must be unique' });
    (f.diversion?.pairs ?? []).forEach((p, i) => {
      for (const end of ['from', 'to'] as const)
        if (!known.has(p[end]))
          ctx.addIssue({
            code: 'custom',
            path: ['diversion', 'pairs', i, end],
            message: `no zone "${p[end]}" is declared`,
          });
    });
    const pids = (f.products ?? []).map((p) => p.id);
    if (new Set(pids).size !== pids.length)
      ctx.addIssue({ code: 'custom', path: ['products'], message: 'product ids must be unique' });
  });
export type DeclaredFields = z.output<typeof DeclaredFields>;

/** The resource that declares an area. */
export interface DeclaringResource {
  kind: 'ScenicArea';
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  /** its data plane's Redis prefix: bound to its namespace like the area id */
  redisPrefix: string;
}

/** A field of the area's definition (`PUT /v1/admin/areas/:id`) that a resource declares. */
export type DeclaredPath =
  | 'timezone'
  | 'dailyCapacity'
  | 'instantCapacity'
  | 'thresholds'
  | 'slots'
  | 'closures'
  | `quotas.${string}`
  | 'zones'
  | 'diversion'
  | `products.${string}`;

/** The definition's fields these declared fields own, in a stable order. */
export function declaredPaths(f: DeclaredFields): DeclaredPath[] {
  const out: DeclaredPath[] = ['timezone', 'dailyCapacity'];
  if (f.instantCapacity !== undefined) out.push('instantCapacity');
  out.push('thresholds');
  if (f.slots) out.push('slots');
  if (f.closures) out.push('closures');
  for (const c of f.channels ?? []) out.push(`quotas.${c.id}`);
  if (f.zones) out.push('zones');
  if (f.diversion) out.push('diversion');
  for (const p of f.products ?? [])
    for (const k of ['policy', 'visitRoute', 'group'] as const)
      if (p[k] !== undefined) out.push(`products.${p.id}.${k}`);
  return out;
}

/** What an area's view says about who declares what (the console shows these read-only). */
export interface DeclarationView {
  /** `ScenicArea <namespace>/<name>` */
  by: string;
  resource: { kind: 'ScenicArea'; namespace: string; name: string; generation: number };
  /** the definition's fields it owns */
  fields: DeclaredPath[];
  /** the declared values, as written */
  values: DeclaredFields;
  appliedAt: string | null;
}

export const resourceName = (r: Pick<DeclaringResource, 'kind' | 'namespace' | 'name'>) =>
  `${r.kind} ${r.namespace}/${r.name}`;
