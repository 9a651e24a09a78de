import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ADMISSION_PATHS, requestPath } from '../admission/index.js';

/** The paths counted by name; every other one is `other`. */
const KNOWN_PATHS: ReadonlySet<string> = new Set(Object.values(ADMISSION_PATHS));

/**
 * The webhook's Prometheus metrics: answers by path and HTTP status, and how long they took — the latency the
 * apiserver adds to every pod and workload write.
 */
export class WebhookMetrics {
  private readonly requests: Counter<'path' | 'code'>;
  private readonly durations: Histogram<'path'>;
  private readonly decisions: Counter<'review' | 'decision'>;

  /** @param prefix - metric name prefix, e.g. `nimbus_clair_webhook`. */
  constructor(registry: Registry, prefix = 'nimbus_clair_webhook') {
    this.requests = new Counter({
      name: `${prefix}_requests_total`,
      help: 'HTTP requests answered, by path and status code (4xx: malformed requests).',
      labelNames: ['path', 'code'],
      registers: [registry],
    });
    this.durations = new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Time from request to answer, by path.',
      labelNames: ['path'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.decisions = new Counter({
      name: `${prefix}_audited_total`,
      help: 'Admitted requests that broke Audit rules (each also recorded as an Event), by review kind.',
      labelNames: ['review', 'decision'],
      registers: [registry],
    });
  }

  /** Wraps a request listener so every answer is counted and timed. */
  instrument(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const started = performance.now();
      // By path, not by request target: the apiserver calls `/validate?timeout=10s`. Known paths only, so a
      // scanner of random URLs cannot blow up the label set.
      const target = requestPath(req.url);
      const path = KNOWN_PATHS.has(target) ? target : 'other';
      res.once('finish', () => {
        this.requests.inc({ path, code: String(res.statusCode) });
        this.durations.observe({ path }, (performance.now() - started) / 1000);
      });
      handler(req, res);
    };
  }

  /** Counts an admitted request that broke Audit rules. */
  audited(review: 'AdmissionReview' | 'ImageReview'): void {
    this.decisions.inc({ review, decision: 'audited' });
  }
}
