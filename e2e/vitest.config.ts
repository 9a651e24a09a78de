import { defineConfig } from 'vitest/config';

// The fault suite (`pnpm test:faults`, and the `faults` project of the root configuration, which `./scripts/test`
// runs beside the integration projects, in a vitest process of its own). It starts its own control plane (it restarts kube-apiserver, so it cannot share
// the integration project's) and the components from their dist/, so build first. Cases run one after another: each measures peak RSS and writes of the whole stack.
export default defineConfig({
  test: {
    name: 'faults',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    // The system tests that share the integration project's control plane run there (root vitest.config.ts).
    exclude: ['test/integration/**'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
