import { adapterLeaseName, announcementMetadata, managerName } from '@nimbus-ts/api';
import { type Component, type RunComponentOptions, runComponent } from '@nimbus-ts/k8s';
import { createAdapter } from './adapter.js';
import type { AdapterDeclaration } from './declaration.js';

/** Options of {@link runAdapter}. */
export interface RunAdapterOptions extends Pick<RunComponentOptions, 'argv' | 'env'> {
  /**
   * More controllers that run in the adapter's process, started and stopped with it under the same Lease —
   * e.g. the Clair adapter's scanner, which acts on the policies the SDK builds.
   */
  readonly extend?: (...args: Parameters<RunComponentOptions['create']>) => readonly Component[];
}

/** Runs several components as one: started together, ready when all are, stopped together. */
function together(components: readonly Component[]): Component {
  return {
    get ready() {
      return components.every((c) => c.ready);
    },
    async start() {
      await Promise.all(components.map((c) => c.start()));
    },
    async stop() {
      await Promise.all(components.map((c) => c.stop()));
    },
  };
}

/**
 * Runs an adapter as a process — the whole `main.ts` of an adapter is `runAdapter(declaration)`.
 *
 * Flags and environment variables are those of every nimbus-ts component (`--help` lists them); the Lease
 * `nimbus-<name>` both elects the working replica and announces the adapter, its intents and its kinds to the
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
      return extend ? together([adapter, ...extend(kc, env)]) : adapter;
    },
  });
}
