import { defineConfig } from 'vitest/config';
import { IntegrationLineSequencer } from './tools/release/src/integration-lines';

const k8sTesting = './packages/k8s/src/testing';
const scanTesting = './tools/scan-testenv/src';

/**
 * Integration tests that start control planes of their own (they stop its API server or etcd, kill the process
 * that owns it, need API server flags the shared one lacks, or spend minutes waiting on something else, such as
 * Clair's notifier) and use neither the shared control plane nor the shared scan stack. Their project needs no
 * global setup, and ./scripts/test runs it beside the integration projects instead of in their
 * one-file-at-a-time line.
 */
const ownControlPlane = [
  'packages/adapter-sdk/test/integration/api-server-outage.test.ts',
  'packages/k8s/test/integration/process-cleanup.test.ts',
  'packages/k8s/test/integration/watch-restart.test.ts',
  'packages/k8s/test/integration/reflector-410.test.ts',
  'packages/k8s/test/integration/startup-errors.test.ts',
  'packages/adapter-admission/test/integration/image-policy-webhook.test.ts',
  'packages/adapter-admission/test/integration/webhook-client-auth.test.ts',
  'packages/adapter-clair/test/integration/scanner-resilience.test.ts',
];

export default defineConfig({
  test: {
    // `--shard=1/2` and `--shard=2/2` select the two integration lines ./scripts/test runs side by side, each on a
    // control plane of its own (tools/release/src/integration-lines.ts says which file goes where and why).
    sequence: { sequencer: IntegrationLineSequencer },
    // Line and branch coverage of the code the test processes run (`--coverage`; ./scripts/test passes it). Components
    // the tests start as child processes (startComponentProcess, the fault suite's stack) are not measured: V8
    // collects coverage per process and only vitest's own workers report.
    coverage: {
      provider: 'v8',
      // Sources only: what tests load from src/ (their own package). Another package's code reached through its
      // built dist/ is not counted: measuring dist/ and mapping it back to src/ (excludeAfterRemap) merges two
      // instrumentations of each file and about doubles the function and branch totals.
      include: ['{packages,examples,tools}/*/src/**/*.ts', 'e2e/src/**/*.ts'],
      exclude: ['**/*.d.ts', '**/src/api/generated.ts'],
      // coverage/ is ignored by git and biome; coverage/index.html is the browsable report.
      reportsDirectory: './coverage',
      reporter: ['text-summary', 'html'],
      // A failing run still says how much of the code it exercised.
      reportOnFailure: true,
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/test/unit/**/*.test.ts',
            'examples/*/test/unit/**/*.test.ts',
            'tools/*/test/unit/**/*.test.ts',
            'bench/test/unit/**/*.test.ts',
          ],
          // Unit files share their worker's module graph instead of importing everything afresh per file: importing
          // was 43% of the unit project's time (111 s → 54 s on 2 cores). What a shared graph could leak between
          // files is global state: spies are restored and stubbed environment variables and globals undone after every
          // test, and a file that fakes timers restores them itself (CONTRIBUTING.md: restore any global you change).
          isolate: false,
          restoreMocks: true,
          unstubEnvs: true,
          unstubGlobals: true,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/test/integration/**/*.test.ts',
            'examples/*/test/integration/**/*.test.ts',
            'tools/*/test/integration/**/*.test.ts',
            // System tests that span components (the fault suite beside them has a project of its own, below).
            'e2e/test/integration/**/*.test.ts',
          ],
          // The netpol example runs under its own configuration, the one its README shows (below); the files that
          // start their own control plane run in a project of their own (below).
          exclude: ['examples/adapter-netpol/**', ...ownControlPlane],
          // One real control plane per run, started before any test file and stopped after the last; one scan
          // stack (PostgreSQL + Clair) per run, started when the first file asks for it (sharedScanStack()).
          globalSetup: [`${k8sTesting}/vitest-global-setup.ts`, `${scanTesting}/vitest-global-setup.ts`],
          setupFiles: [`${k8sTesting}/vitest-setup.ts`],
          // Two cores: files run one after another so a slow apiserver never turns into a flaky timeout.
          fileParallelism: false,
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'own-control-plane',
          include: ownControlPlane,
          // One at a time, like the integration project's files: each starts, stops and restarts whole control planes.
          fileParallelism: false,
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // Packs every public package and installs it with npm outside the workspace; no control plane.
          name: 'packaging',
          include: ['tools/packaging/test/install/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Exactly the configuration an adapter author copies from examples/adapter-netpol/README.md. Its global
        // setup shares the integration project's control plane; its files run one at a time, in a group of their own
        // (vitest runs numbered groups first, then the files of single-worker projects such as integration).
        extends: './examples/adapter-netpol/vitest.config.ts',
        root: './examples/adapter-netpol',
        test: { name: 'integration-netpol', sequence: { groupOrder: 1 } },
      },
      {
        // The fault suite of e2e/ (also `pnpm test:faults`): hostile input, kills and restarts against its own
        // control plane. ./scripts/test runs it in a vitest process beside the integration projects' (with unit and
        // packaging): the peak RSS it measures is per process and the writes it counts are its own API server's, so
        // what runs beside it changes neither, only the convergence times it prints.
        extends: './e2e/vitest.config.ts',
        root: './e2e',
        test: { name: 'faults', sequence: { groupOrder: 2 } },
      },
    ],
  },
});
