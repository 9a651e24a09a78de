import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics every controller reports, on one registry per process. */
export class ControllerMetrics {
  /** The registry to expose on `/metrics`. */
  readonly registry = new Registry();
  private readonly reconciles: Counter<'controller' | 'outcome'>;
  private readonly durations: Histogram<'controller'>;
  private readonly depth: Gauge<'controller'>;
  private readonly queueReaders = new Map<string, () => number>();

  /** @param prefix - metric name prefix, e.g. `nimbus_core_operator`. */
  constructor(prefix: string) {
    this.reconciles = new Counter({
      name: `${prefix}_reconcile_total`,
      help: 'Reconciles finished, by controller and outcome (success or error).',
      labelNames: ['controller', 'outcome'],
      registers: [this.registry],
    });
    this.durations = new Histogram({
      name: `${prefix}_reconcile_duration_seconds`,
      help: 'Time spent in one reconcile, by controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.depth = new Gauge({
      name: `${prefix}_workqueue_depth`,
      help: 'Keys waiting in the work queue, by controller.',
      labelNames: ['controller'],
      registers: [this.registry],
    });
  }

  /** A callback for `ControllerOptions.onReconciled` that records one controller's reconciles. */
  recorder(controller: string): (outcome: 'success' | 'error', durationMs: number) => void {
    return (outcome, durationMs) => {
      this.reconciles.inc({ controller, outcome });
      this.durations.observe({ controller }, durationMs / 1000);
    };
  }

  /** Reads the queue depth of a controller each time metrics are scraped. */
  trackQueue(controller: string, depth: () => number): void {
    this.queueReaders.set(controller, depth);
  }

  /** Renders the registry in the Prometheus text format, refreshing queue depths first. */
  async render(): Promise<string> {
    for (const [controller, read] of this.queueReaders) this.depth.set({ controller }, read());
    return this.registry.metrics();
  }
}
