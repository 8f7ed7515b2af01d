import { describe, expect, it } from 'vitest';
import { loadGateConfig } from './config.js';
import type { DomainError } from '../core/errors.js';

const good = {
  SCENIC_GATE_API_URL: 'http://api.local/gate/v1/',
  SCENIC_GATE_CREDENTIAL: `sgd1.east-1.${'a'.repeat(43)}`,
  SCENIC_GATE_JOURNAL: '/var/lib/scenic/gate.db',
};

describe('gate config', () => {
  it('reads the environment with defaults', () => {
    const c = loadGateConfig(good);
    expect(c).toMatchObject({
      apiUrl: 'http://api.local/gate/v1',
      gateId: 'east-1',
      port: 8090,
      host: '127.0.0.1',
      precheckBudgetMs: 150,
      precheck: true,
    });
  });

  it.each([
    ['SCENIC_GATE_API_URL', { SCENIC_GATE_API_URL: 'ftp://x' }],
    ['SCENIC_GATE_CREDENTIAL', { SCENIC_GATE_CREDENTIAL: 'sk_live_123' }],
    ['SCENIC_GATE_JOURNAL', { SCENIC_GATE_JOURNAL: undefined }],
    ['SCENIC_GATE_PORT', { SCENIC_GATE_PORT: '99999' }],
    ['SCENIC_GATE_PRECHECK_BUDGET_MS', { SCENIC_GATE_PRECHECK_BUDGET_MS: '0' }],
  ])('names %s when it is wrong', (field, patch) => {
    let err: DomainError | undefined;
    try {
      loadGateConfig({ ...good, ...patch });
    } catch (e) {
      err = e as DomainError;
    }
    expect(err?.code).toBe('invalid_config');
    expect(err?.details.fields?.map((f) => f.path)).toContain(field);
  });
});

describe('17.2 the lane API beyond loopback', () => {
  it('refuses to listen on the LAN without lane tokens', () => {
    let err: DomainError | undefined;
    try {
      loadGateConfig({ ...good, SCENIC_GATE_HOST: '0.0.0.0' });
    } catch (e) {
      err = e as DomainError;
    }
    expect(err?.code).toBe('invalid_config');
    expect(err?.details.fields?.map((f) => f.path)).toContain('SCENIC_GATE_LANE_TOKENS_FILE');
  });
});
