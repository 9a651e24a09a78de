import { type RunComponentOptions, runComponent } from '../process/run-component.js';
import { createAdapter } from './adapter.js';
import { adapterLeaseName, announcementMetadata } from './announcement.js';
import type { AdapterDeclaration } from './declaration.js';
import { managerName } from './managed-by.js';

/**
 * Runs an adapter as a process — the whole `main.ts` of an adapter is `runAdapter(declaration)`.
 *
 * Flags and environment variables are those of every nimbus-ts component (`--help` lists them); the Lease
 * `nimbus-<name>` both elects the working replica and announces the adapter and its intents to the core
 * operator, which reports rules no running adapter enforces.
 */
export function runAdapter(
  declaration: AdapterDeclaration,
  options: Pick<RunComponentOptions, 'argv' | 'env'> = {},
): Promise<void> {
  return runComponent({
    ...options,
    defaults: {
      program: managerName(declaration.name),
      leaseName: adapterLeaseName(declaration.name),
      resync: '10m',
    },
    logName: managerName(declaration.name),
    metricsPrefix: managerName(declaration.name).replaceAll('-', '_'),
    leaseMetadata: announcementMetadata(declaration.name, declaration.intents),
    create: (kc, { logger, metrics, config }) =>
      createAdapter(kc, declaration, {
        logger,
        metrics,
        resyncMs: config.resyncMs,
        concurrency: config.concurrency,
        identity: config.identity,
      }),
  });
}
