import type { TestProject } from 'vitest/node';
import { type ScanStackBrokerAddress, startScanStackBroker } from './shared-stack-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where `sharedScanStack()` asks for the run's shared PostgreSQL and Clair. */
    nimbusScanStack: ScanStackBrokerAddress;
  }
}

/**
 * Vitest `globalSetup` module: one scan stack (PostgreSQL + Clair) per run, shared by the test files that call
 * `sharedScanStack()` the way `@nimbus-ts/k8s/testing/vitest-global-setup` shares the control plane. Nothing
 * starts here: the first file that asks starts the pair (a run of files that never ask, such as the k8s
 * package's, starts no Clair), and the teardown after the last file stops it. The services are reaped if the run
 * dies. It prints how many stacks it started, so a run shows the sharing works.
 *
 * ```ts
 * // vitest.config.ts
 * test: { globalSetup: ['./packages/adapter-clair/src/testing/vitest-global-setup.ts'] }
 * ```
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const broker = await startScanStackBroker({ progress: say });
  project.provide('nimbusScanStack', { url: broker.url, token: broker.token });
  return async () => {
    if (broker.starts > 0) say(`scan-env: shared scan stacks started in this run: ${broker.starts}`);
    await broker.close();
  };
}
