import type { ReportSummary } from '@nimbus-ts/scan-api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const SEVERITY_KEYS = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;

/**
 * The scanner's Prometheus metrics, on the process's registry (the one `/metrics` serves): vulnerabilities by
 * namespace, image and severity — what image-scanner-operator users build dashboards and alerts on — plus index
 * requests, scan durations and Clair or registry errors by kind.
 */
export class ScanMetrics {
  private readonly vulnerabilities: Gauge<'namespace' | 'image' | 'severity'>;
  private readonly indexRequests: Counter;
  private readonly errors: Counter<'kind'>;
  private readonly durations: Histogram;
  private reports: () => readonly ReportedImage[] = () => [];

  /** @param prefix - metric name prefix, e.g. `nimbus_clair`. */
  constructor(registry: Registry, prefix = 'nimbus_clair') {
    const metrics = this;
    this.vulnerabilities = new Gauge({
      name: `${prefix}_vulnerabilities`,
      help: 'Vulnerabilities in an image in use, by namespace, image (repository@digest) and severity.',
      labelNames: ['namespace', 'image', 'severity'],
      registers: [registry],
      // Read from the reports at scrape time: an image no pod runs any more has no report, so no series.
      collect() {
        metrics.vulnerabilities.reset();
        for (const { namespace, image, summary } of metrics.reports()) {
          for (const severity of SEVERITY_KEYS)
            metrics.vulnerabilities.set({ namespace, image, severity }, summary[severity]);
        }
      },
    });
    this.indexRequests = new Counter({
      name: `${prefix}_index_requests_total`,
      help: 'Index requests sent to Clair: one per distinct image manifest.',
      registers: [registry],
    });
    this.errors = new Counter({
      name: `${prefix}_scan_errors_total`,
      help: 'Scans that failed, by kind (registry, clair, other).',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.durations = new Histogram({
      name: `${prefix}_scan_duration_seconds`,
      help: 'Time to scan one image: resolve, index when needed, and match.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  }

  /** Records an index request. */
  indexed(): void {
    this.indexRequests.inc();
  }

  /** Records a failed scan. */
  failed(kind: 'registry' | 'clair' | 'other'): void {
    this.errors.inc({ kind });
  }

  /** Records how long one scan took. */
  scanned(seconds: number): void {
    this.durations.observe(seconds);
  }

  /**
   * Where the vulnerability gauges come from: the current reports (the scanner's cache of VulnerabilityReports),
   * read at every scrape, so the series follow the reports — also when they go with the last pod of an image.
   */
  observeReports(reports: () => readonly ReportedImage[]): void {
    this.reports = reports;
  }
}

/** One image's counts in one namespace, as the gauges expose them. */
export interface ReportedImage {
  readonly namespace: string;
  /** `repository@digest`. */
  readonly image: string;
  readonly summary: ReportSummary;
}
