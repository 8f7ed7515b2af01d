import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.js';
import { checkScreenAccess, loadScreenAccess, newScreenToken } from './access.js';

const codeOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
};

describe('screen access', () => {
  const { token, sha256 } = newScreenToken();
  const a = loadScreenAccess({
    SCENIC_SCREEN_TRUSTED_NETWORKS: '10.20.0.0/16, fd00::/8',
    SCENIC_SCREEN_TOKEN_SHA256: `${'0'.repeat(64)},${sha256.toUpperCase()}`,
  });

  it.each([
    [{ ip: '10.20.3.4' }, undefined],
    [{ ip: '::ffff:10.20.3.4' }, undefined],
    [{ ip: 'fd00::12' }, undefined],
    [{ ip: '10.21.0.1' }, 'screen_token_required'],
    [{ ip: '127.0.0.1' }, 'screen_token_required'],
    [{}, 'screen_token_required'],
    [{ ip: '192.168.1.1', token }, undefined],
    [{ ip: '192.168.1.1', token: `${token}x` }, 'invalid_screen_token'],
    // a wrong token is refused even from a trusted network: it was presented, and is wrong
    [{ ip: '10.20.3.4', token: 'scr_wrong' }, 'invalid_screen_token'],
  ])('%j → %s', (caller, code) => {
    expect(codeOf(() => checkScreenAccess(a, caller))).toBe(code);
  });

  it('is closed with no configuration', () => {
    expect(codeOf(() => checkScreenAccess(loadScreenAccess({}), { ip: '127.0.0.1', token }))).toBe(
      'screen_closed',
    );
  });

  it.each([
    ['SCENIC_SCREEN_TRUSTED_NETWORKS', '10.0.0.0'],
    ['SCENIC_SCREEN_TRUSTED_NETWORKS', '10.0.0.0/33'],
    ['SCENIC_SCREEN_TRUSTED_NETWORKS', 'everyone/0'],
    ['SCENIC_SCREEN_TOKEN_SHA256', 'scr_plaintext-token'],
  ])('refuses %s=%s', (k, v) => {
    expect(codeOf(() => loadScreenAccess({ [k]: v }))).toBe('invalid_config');
  });

  it('prints tokens that differ and digests that verify', () => {
    const b = newScreenToken();
    expect(b.token).not.toBe(token);
    expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
