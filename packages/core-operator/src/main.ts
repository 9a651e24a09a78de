#!/usr/bin/env node
import {
  ControllerMetrics,
  createLogger,
  LeaderElector,
  loadClusterConnection,
  ObjectClient,
  startProbeServer,
} from '@nimbus-ts/k8s';
import { parseConfig, USAGE } from './config.js';
import { createOperator, FIELD_MANAGER } from './operator.js';

/**
 * The core-operator process: configuration, probes and metrics, leader election, the controllers, and a
 * graceful shutdown on SIGTERM/SIGINT (stop reconciling, release the Lease, close the servers).
 */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const logger = createLogger('core-operator', { level: config.logLevel });
  // Not client-node's KubeConfig: importing client-node would cost the process ~100 MB for API models it never uses.
  const kc = loadClusterConnection({ kubeconfig: config.kubeconfig });

  const metrics = new ControllerMetrics('nimbus_core_operator');
  const operator = createOperator(kc, {
    logger,
    metrics,
    resyncMs: config.resyncMs,
    concurrency: config.concurrency,
  });
  const elector = config.leaderElect
    ? new LeaderElector(new ObjectClient(kc, FIELD_MANAGER), {
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        logger,
      })
    : undefined;

  let started = false;
  const metricsServer = await startProbeServer({ port: config.metricsPort, ready: () => started, metrics });
  // A standby replica is ready (to take over); the working replica once its caches are synced.
  const probeServer = await startProbeServer({
    port: config.probePort,
    ready: () => (elector !== undefined && !elector.isLeader) || operator.ready,
  });
  logger.info('serving probes and metrics', { metricsPort: metricsServer.port, probePort: probeServer.port });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await operator.stop();
    await elector?.stop();
    await Promise.all([metricsServer.close(), probeServer.close()]);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const startOperator = async () => {
    await operator.start();
    started = true;
    logger.info('controllers started');
  };
  if (elector) {
    await elector.run(startOperator, () => {
      // Another replica may already lead: stop at once rather than reconcile without the lease.
      logger.error('lost the leader lease; exiting so a fresh process can campaign again');
      process.exit(1);
    });
  } else {
    await startOperator();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', component: 'core-operator', message: (err as Error).message })}\n`,
  );
  process.exit(1);
});
