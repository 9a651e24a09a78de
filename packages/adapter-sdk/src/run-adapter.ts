import { adapterLeaseName, announcementMetadata, managerName } from '@nimbus-ts/api';
import { type Component, type RunComponentOptions, runComponent } from '@nimbus-ts/k8s';
import { createAdapter } from './adapter.js';
import type { AdapterDeclaration } from './declaration.js';

/** Options of {@link runAdapter}. */
export interface RunAdapterOptions extends Pick<RunComponentOptions, 'argv' | 'env'> {
  /**
   * More controllers that run in the adapter's process, started and stopped with it under the same Lease —
   * e.g. the Clair adapter's scanner, which acts on the policies the SDK builds. A part whose
   * `needLeaderElection` is `false` (the admission webhook, which the API server may call on any replica) runs on
   * every replica from the start; the SDK's builder and the other parts run only on the Lease holder.
   */
  readonly extend?: (...args: Parameters<RunComponentOptions['create']>) => readonly Component[];
}

/**
 * Runs an adapter as a process — the whole `main.ts` of an adapter is `runAdapter(declaration)`.
 *
 * Flags and environment variables are those of every nimbus-ts component (`--help` lists them); the Lease
 * `nimbus-<name>` both elects the working replica (the one that builds; parts that need no leadership serve on
 * every replica) and announces the adapter, its intents and its kinds to the
 * core operator (which reports rules no running adapter enforces) and to tools such as `nimbus status`.
 */
export function runAdapter(declaration: AdapterDeclaration, options: RunAdapterOptions = {}): Promise<void> {
  const { extend, ...process } = options;
  return runComponent({
    ...process,
    defaults: {
      program: managerName(declaration.name),
      leaseName: adapterLeaseName(declaration.name),
      resync: '10m',
    },
    logName: managerName(declaration.name),
    metricsPrefix: managerName(declaration.name).replaceAll('-', '_'),
    leaseMetadata: announcementMetadata(declaration.name, declaration.intents, declaration.kinds),
    create: (kc, env) => {
      const adapter = createAdapter(kc, declaration, {
        logger: env.logger,
        metrics: env.metrics,
        resyncMs: env.config.resyncMs,
        concurrency: env.config.concurrency,
        identity: env.config.identity,
      });
      return extend ? [adapter, ...extend(kc, env)] : adapter;
    },
  });
}
