import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeArea, completeWindow, minimalArea, minimalWindow } from './fixtures.js';
import { CRD_NAMES, GROUP, SCHEMA_REVISION, SCHEMA_REVISION_ANNOTATION, VERSION } from './types.js';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
}
interface Crd {
  metadata: { name: string; annotations: Record<string, string> };
  spec: { group: string; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

function loadCrd(file: string): Crd {
  return parse(readFileSync(fileURLToPath(new URL(`../../crds/${file}`, import.meta.url)), 'utf8')) as Crd;
}

/** Differences between a schema and a value, walking both: `mode` complete wants every
 * declared property present, minimal wants exactly the required ones. */
function drift(schema: Schema, value: unknown, path: string, mode: 'complete' | 'minimal'): string[] {
  if (Array.isArray(value)) {
    if (schema.type !== 'array' || !schema.items) return [`${path}: array in TS, ${schema.type} in YAML`];
    return value.flatMap((v, i) => drift(schema.items!, v, `${path}[${i}]`, mode));
  }
  if (value === null || typeof value !== 'object') return [];
  if (schema.type !== 'object') return [`${path}: object in TS, ${schema.type} in YAML`];
  if (schema.additionalProperties && !schema.properties) return []; // a map: keys are data
  const declared = Object.keys(schema.properties ?? {}).filter((k) => !(path === '' && k === 'metadata'));
  // apiVersion and kind are always sent although the schema does not list them as required.
  const required = [
    ...(schema.required ?? []),
    ...(path === '' ? ['apiVersion', 'kind'].filter((k) => declared.includes(k)) : []),
  ];
  const expected = mode === 'complete' ? declared : required;
  const actual = Object.keys(value);
  const out: string[] = [];
  for (const k of expected)
    if (!actual.includes(k))
      out.push(`${path}.${k}: in YAML${mode === 'minimal' ? ' (required)' : ''}, not in TS`);
  for (const k of actual) {
    if (!declared.includes(k)) out.push(`${path}.${k}: in TS, not in YAML`);
    else if (mode === 'minimal' && !expected.includes(k))
      out.push(`${path}.${k}: required in TS, optional in YAML`);
    else
      out.push(...drift(schema.properties![k]!, (value as Record<string, unknown>)[k], `${path}.${k}`, mode));
  }
  return out;
}

describe('CRD YAML and TypeScript types are identical', () => {
  it.each([
    ['scenicareas.yaml', CRD_NAMES.area, completeArea, minimalArea],
    ['saleswindows.yaml', CRD_NAMES.window, completeWindow, minimalWindow],
  ] as const)('%s', (file, name, complete, minimal) => {
    const crd = loadCrd(file);
    expect(crd.metadata.name).toBe(name);
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.metadata.annotations[SCHEMA_REVISION_ANNOTATION]).toBe(SCHEMA_REVISION);
    const version = crd.spec.versions.find((v) => v.name === VERSION);
    expect(version).toBeDefined();
    const schema = version!.schema.openAPIV3Schema;
    expect(drift(schema, complete, '', 'complete')).toEqual([]);
    expect(drift(schema, minimal, '', 'minimal')).toEqual([]);
  });

  it('the drift check notices a field missing on either side', () => {
    const schema: Schema = {
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    };
    expect(drift(schema, { a: 'x' }, '', 'complete')).toEqual(['.b: in YAML, not in TS']);
    expect(drift(schema, { a: 'x', b: 'y', c: 'z' }, '', 'complete')).toEqual(['.c: in TS, not in YAML']);
    expect(drift(schema, { a: 'x', b: 'y' }, '', 'minimal')).toEqual([
      '.b: required in TS, optional in YAML',
    ]);
    expect(drift(schema, {}, '', 'minimal')).toEqual(['.a: in YAML (required), not in TS']);
  });
});
