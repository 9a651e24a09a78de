// The scanner: ImageScanPolicies → scans of running pods' images through Clair → VulnerabilityReports.
export { SCANNER_ENV, type ScannerConfig, scannerConfig } from './config.js';
export {
  ImageScanner,
  type ImageScannerOptions,
  type ScannerCounters,
  type ScanOutcome,
  type ScanTarget,
} from './image-scanner.js';
export { ConcurrencyLimiter } from './limiter.js';
export { ScanMetrics } from './metrics.js';
export { type ImageUse, planScan, podsUsing, type ScannedPod, type ScanPlan, selects } from './plan.js';
export { createScanController, NODES, PODS, SCANNED, type ScanControllerOptions } from './scan-controller.js';
export { SingleFlight } from './single-flight.js';
