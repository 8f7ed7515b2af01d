import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{api,workers,operator,gate,core,cli,clients,tests,bench}/**/*.test.ts', 'web/src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Each file isolates itself (schema, key prefix, namespace), so files run in parallel.
    fileParallelism: true,
  },
});
