import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { usePostgres } from '../support/postgres.js';
import { useRedis } from '../support/redis.js';
import { RoleProcess, freePort, waitFor } from '../support/processes.js';
import { startWechatPayFake, type WechatPayFake } from '../../fakes/wechat-pay.js';

/**
 * Issue 15: an API started with a fake payment provider outside the demo and the tests
 * exits with a message naming the variable, before it serves anything; with the tests'
 * explicit SCENIC_ALLOW_FAKE_GATEWAY=1 the same settings start.
 */
describe('scenic api refuses a fake payment provider unless told it is the demo or a test', () => {
  const pg = usePostgres();
  const r = useRedis();
  let wechat: WechatPayFake;
  const procs: RoleProcess[] = [];
  beforeAll(async () => {
    wechat = await startWechatPayFake();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await wechat?.close();
  });
  const env = (port: number, extra: Record<string, string> = {}) => ({
    DATABASE_URL: pg.url,
    DATABASE_SCHEMA: pg.schema,
    REDIS_URL: r.url,
    REDIS_PREFIX: r.prefix,
    SCENIC_PII_KEY: randomBytes(32).toString('base64'),
    SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
    SCENIC_PAYMENT_PROVIDERS: 'wechat',
    ...wechat.env(),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...extra,
  });

  it('exits non-zero naming SCENIC_ALLOW_FAKE_GATEWAY, and starts once it is set', async () => {
    const port = await freePort();
    const refused = new RoleProcess('api', env(port));
    procs.push(refused);
    refused.start();
    await waitFor('the refused api to exit', () => Promise.resolve(refused.exits > 0), 90_000);
    expect(refused.child?.exitCode).not.toBe(0);
    expect(refused.output).toContain('SCENIC_ALLOW_FAKE_GATEWAY');
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'down')).toBe('down');

    const allowed = new RoleProcess('api', env(port, { SCENIC_ALLOW_FAKE_GATEWAY: '1' }));
    procs.push(allowed);
    allowed.start();
    await waitFor('api up', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 90_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${allowed.output}`);
      },
    );
  }, 200_000);
});
