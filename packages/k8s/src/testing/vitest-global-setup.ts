import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureControlPlaneBinaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import type { EnvtestContext } from './vitest.js';

/** Marker the per-test setup writes into the control-plane directory when a test fails. */
export const FAILED_MARKER = 'tests-failed';

/**
 * Vitest `globalSetup` module: one control plane (etcd + kube-apiserver + kube-controller-manager, RBAC on)
 * for the whole run, handed to test files through `inject('nimbusEnvtest')` — read it with `envtest()`.
 * The directory with logs and PKI is kept when a test failed, and its path printed.
 *
 * ```ts
 * // vitest.config.ts
 * test: { globalSetup: ['@nimbus-ts/k8s/testing/vitest-global-setup'], setupFiles: ['@nimbus-ts/k8s/testing/vitest-setup'] }
 * ```
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const binaries = await ensureControlPlaneBinaries({ progress: say });
  const cp = await startControlPlane({ binaries, keepDir: true, progress: say });
  const context: EnvtestContext = {
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    dir: cp.dir,
    logs: { ...cp.logs },
    kubectl: cp.binaries.kubectl,
    ca: { certPem: cp.ca.certPem, keyPem: cp.ca.keyPem },
  };
  project.provide('nimbusEnvtest', context);
  return async () => {
    await cp.stop();
    if (existsSync(join(cp.dir, FAILED_MARKER)) || process.env.NIMBUS_ENVTEST_KEEP === '1') {
      say(`envtest: control-plane logs kept in ${join(cp.dir, 'logs')}`);
    } else {
      const { rm } = await import('node:fs/promises');
      await rm(cp.dir, { recursive: true, force: true });
    }
  };
}
