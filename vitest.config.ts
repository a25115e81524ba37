import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['app/**/*.test.ts'],
    globalSetup: ['app/test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['app/src/**/*.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
    },
  },
});
