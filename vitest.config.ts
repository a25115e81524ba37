import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'harness/**/*.test.ts', 'reliability/**/*.test.ts', 'test/**/*.test.ts', 'loadtest/**/*.test.ts', 'e2e/**/*.test.ts', 'k8s/**/*.test.ts'],
    globalSetup: ['app/test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['app/src/**/*.ts'],
      // The process entry points run only in the child processes of the shutdown, cluster and
      // Redis-fault tests, which the in-worker V8 coverage cannot see.
      exclude: ['app/src/**/*.test.ts', 'app/src/server.ts', 'app/src/cluster.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      thresholds: { lines: 90, statements: 90 },
    },
  },
});
