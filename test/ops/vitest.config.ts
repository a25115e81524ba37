// The live dashboard test runs apart from `npx vitest run` (whose include never matches *.live.ts):
// it needs the Prometheus build in .tools/bin and the rules `make test-rules` renders.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/ops/**/*.live.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
