import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    // One control plane (etcd + kube-apiserver + kube-controller-manager) for the whole run, started before the
    // first test file and stopped after the last; envtest() hands it to each file.
    globalSetup: ['@nimbus-ts/k8s/testing/vitest-global-setup'],
    // On a failure: the control plane's log files are printed and kept.
    setupFiles: ['@nimbus-ts/k8s/testing/vitest-setup'],
    // Starting and stopping controllers and waiting for them takes longer than vitest's 5-second default.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Test files share the control plane: one at a time, so no file sees another's writes in its counts.
    fileParallelism: false,
  },
});
