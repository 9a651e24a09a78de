import { defineConfig } from 'vitest/config';

// The fault suite (`pnpm test:faults`, and the `faults` project of the root configuration, which `./scripts/test`
// runs after every other project). It starts its own control plane (it restarts kube-apiserver, so it cannot share
// the integration project's) and the components from their dist/, so build first. Cases run one after another: each measures peak RSS and writes of the whole stack.
export default defineConfig({
  test: {
    name: 'faults',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    // test/integration/ runs in the root configuration's integration project, on its shared control plane.
    exclude: ['test/integration/**'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
