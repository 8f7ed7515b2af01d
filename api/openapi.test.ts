import { describe, expect, it } from 'vitest';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { openApiDocument } from './openapi.js';

/**
 * The served document, linted with Redocly's strictest built-in ruleset (every rule an
 * error): the spec's structure, path parameters declared on every operation, a 2xx and a
 * 4xx answer each, operation ids, resolvable and used components, security defined.
 */
describe('the OpenAPI document', () => {
  it('passes the recommended-strict lint with no problem', async () => {
    const config = await createConfig({ extends: ['recommended-strict'] });
    const problems = await lintFromString({
      source: JSON.stringify(openApiDocument()),
      absoluteRef: '/v1/openapi.json',
      config,
    });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`)).toEqual([]);
  });

  it('says how partner signatures are encoded: base64url without padding', () => {
    const doc = openApiDocument() as {
      components: { securitySchemes: { partnerSignature: { description: string } } };
    };
    expect(doc.components.securitySchemes.partnerSignature.description).toMatch(
      /base64url.*without `=` padding/,
    );
  });
});
