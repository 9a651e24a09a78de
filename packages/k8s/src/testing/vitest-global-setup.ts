import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureControlPlaneBinaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import { acquireShared } from './shared-per-process.js';
import type { EnvtestContext } from './vitest.js';

/** Marker the per-test setup writes into the control-plane directory when a test fails. */
export const FAILED_MARKER = 'tests-failed';

/** Where the control plane of this process is registered, whichever copy of this module started it. */
const SHARED_CONTROL_PLANE = Symbol.for('@nimbus-ts/k8s/testing/vitest-global-setup');

/**
 * Vitest `globalSetup` module: one control plane (etcd + kube-apiserver + kube-controller-manager, RBAC on)
 * for the whole run, handed to test files through `inject('nimbusEnvtest')` — read it with `envtest()`.
 * The directory with logs and PKI is kept when a test failed, and its path printed. Several projects of one run
 * that use this setup share one control plane, stopped after the last of them.
 *
 * ```ts
 * // vitest.config.ts
 * test: { globalSetup: ['@nimbus-ts/k8s/testing/vitest-global-setup'], setupFiles: ['@nimbus-ts/k8s/testing/vitest-setup'] }
 * ```
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lease = await acquireShared(SHARED_CONTROL_PLANE, startForVitest);
  project.provide('nimbusEnvtest', lease.value);
  return () => lease.release();
}

/** Starts the control plane and describes it to test files; stopping keeps its directory when a test failed. */
async function startForVitest() {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const binaries = await ensureControlPlaneBinaries({ progress: say });
  const cp = await startControlPlane({ binaries, keepDir: true, progress: say });
  const value: EnvtestContext = {
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    dir: cp.dir,
    logs: { ...cp.logs },
    kubectl: cp.binaries.kubectl,
    ca: { certPem: cp.ca.certPem, keyPem: cp.ca.keyPem },
  };
  const stop = async () => {
    await cp.stop();
    if (existsSync(join(cp.dir, FAILED_MARKER)) || process.env.NIMBUS_ENVTEST_KEEP === '1') {
      say(`envtest: control-plane logs kept in ${join(cp.dir, 'logs')}`);
    } else {
      const { rm } = await import('node:fs/promises');
      await rm(cp.dir, { recursive: true, force: true });
    }
  };
  return { value, stop };
}
