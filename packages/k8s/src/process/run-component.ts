import type { ApiServerAccess } from '../cluster-connection.js';
import { loadClusterConnection } from '../cluster-connection.js';
import { createLogger, type Logger } from '../logger.js';
import { redactSecrets } from '../redact.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { ControllerMetrics } from '../runtime/metrics.js';
import { ObjectClient } from '../runtime/object-client.js';
import { startProbeServer } from '../runtime/probe-server.js';
import {
  type ComponentConfig,
  type ComponentDefaults,
  componentUsage,
  parseComponentConfig,
} from './component-config.js';
import { partsReady, splitParts } from './component-parts.js';

/** What a process runs: controllers that start, report readiness and stop. */
export interface Component {
  /** Starts the controllers; resolves once their caches are filled. */
  start(): Promise<void>;
  /** Stops them, waiting for running reconciles. */
  stop(): Promise<void>;
  /** True once every cache is filled. */
  readonly ready: boolean;
  /**
   * `false` for a part that must run on every replica, at once, whether or not it holds the Lease — e.g. an
   * admission webhook, which the API server may call on any replica (controller-runtime's
   * `NeedLeaderElection() == false`). Absent or `true`: with `--leader-elect` the part runs only on the Lease holder.
   */
  readonly needLeaderElection?: boolean;
}

/** Options of {@link runComponent}. */
export interface RunComponentOptions {
  /** Program name and defaults of the flags. */
  readonly defaults: ComponentDefaults;
  /** The `component` field of every log line, e.g. `core-operator`. */
  readonly logName: string;
  /** Prefix of the Prometheus metrics, e.g. `nimbus_core_operator`. */
  readonly metricsPrefix: string;
  /**
   * Builds the component once the configuration is read: one, or several parts started and stopped together
   * (parts whose `needLeaderElection` is `false` start at once; the others once this replica holds the Lease).
   */
  readonly create: (
    kc: ApiServerAccess,
    env: { readonly logger: Logger; readonly metrics: ControllerMetrics; readonly config: ComponentConfig },
  ) => Component | readonly Component[];
  /**
   * Labels and annotations of the Lease. When given, the Lease is kept even with `--leader-elect=false`,
   * because it is also how the component announces itself (adapters do).
   */
  readonly leaseMetadata?: {
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  /** Command-line arguments; default `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
  /** Environment; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The life of a nimbus-ts process: flags (with environment fallbacks and `--help`), JSON logs, `/metrics`,
 * `/healthz` and `/readyz`, leader election on a Lease, and a graceful shutdown on SIGTERM/SIGINT (stop
 * reconciling, release the Lease, close the servers). The core operator and every adapter run through it.
 */
export async function runComponent(options: RunComponentOptions): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  const usage = componentUsage(options.defaults);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let config: ComponentConfig;
  try {
    config = parseComponentConfig(options.defaults, argv, options.env ?? process.env);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  const logger = createLogger(options.logName, { level: config.logLevel });
  // Not client-node's KubeConfig: importing client-node would cost the process ~100 MB for API models it never uses.
  const kc = loadClusterConnection({
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    ...(config.context ? { context: config.context } : {}),
  });
  const metrics = new ControllerMetrics(options.metricsPrefix);
  const created = options.create(kc, { logger, metrics, config });
  const parts: readonly Component[] = Array.isArray(created) ? created : [created as Component];
  const split = splitParts(parts, config.leaderElect);
  const { everywhere, elected } = split;
  const client = new ObjectClient(kc, options.defaults.program);
  const lease = {
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    logger,
    ...(options.leaseMetadata ? { metadata: options.leaseMetadata } : {}),
  };
  // With leader election the Lease is renewed as often as leader election needs (and announces on the way);
  // without it the Lease only announces, and a renewal every third of its duration is plenty (`--announcement-*`).
  const elector = config.leaderElect
    ? new LeaderElector(client, {
        ...lease,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
      })
    : options.leaseMetadata
      ? new LeaderElector(client, { ...lease, ...config.announcement })
      : undefined;

  let started = false;
  const metricsServer = await startProbeServer({ port: config.metricsPort, ready: () => started, metrics });
  // A standby replica is ready (to take over) once the parts it runs without the Lease are (a webhook that serves on
  // every replica); the working replica once every part's caches are synced.
  const standby = () => config.leaderElect && elector !== undefined && !elector.isLeader;
  const probeServer = await startProbeServer({
    port: config.probePort,
    ready: () => partsReady(split, standby()),
  });
  logger.info('serving probes and metrics', { metricsPort: metricsServer.port, probePort: probeServer.port });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await Promise.all(parts.map((p) => p.stop()));
    await elector?.stop();
    await Promise.all([metricsServer.close(), probeServer.close()]);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const start = async () => {
    await Promise.all(elected.map((p) => p.start()));
    started = true;
    logger.info('controllers started');
  };
  if (elector && config.leaderElect) {
    if (everywhere.length > 0) {
      // These serve on every replica, the standbys included, from the start: they do not wait for the Lease.
      await Promise.all(everywhere.map((p) => p.start()));
      logger.info('started the parts that run without leadership', { parts: everywhere.length });
    }
    await elector.run(start, () => {
      // As controller-runtime does: another replica may already lead, so stop reconciling at once. The
      // Deployment restarts the container, and the fresh process campaigns again as a standby.
      logger.error(
        'lost the leader Lease; exiting so that no two replicas reconcile at once (the Deployment restarts this one, which then campaigns again)',
        { lease: config.leaseName, identity: config.identity, renewDeadlineMs: config.renewDeadlineMs },
      );
      process.exit(1);
    });
    return;
  }
  await Promise.all(everywhere.map((p) => p.start()));
  await start();
  // Without leader election the Lease only announces this process: keep announcing for as long as it runs,
  // through API server outages (a lapsed announcement is renewed once the API server is back).
  while (elector && !stopping) {
    await elector.run(
      () => undefined,
      () => logger.warn('could not renew the announcement Lease; retrying', { lease: config.leaseName }),
    );
  }
}

/** Runs `main` and turns a failure into a JSON log line and exit code 1. */
export function exitOnFailure(logName: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', component: logName, message: redactSecrets((err as Error).message) })}\n`,
    );
    process.exit(1);
  });
}
