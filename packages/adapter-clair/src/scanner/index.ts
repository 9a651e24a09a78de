// The scanner: ImageScanPolicies → scans of running pods' images through Clair → VulnerabilityReports.
export { SCANNER_ENV, type ScannerConfig, scannerConfig } from './config.js';
export { type ReportedImage, ScanMetrics } from './metrics.js';
export {
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_NAMESPACE_FILTER,
  globMatches,
  type NamespaceFilter,
  type NamespaceVerdict,
  namespaceVerdict,
} from './namespace-filter.js';
export {
  createNotificationReceiver,
  type NotificationReceiver,
  type NotificationReceiverOptions,
} from './notification-receiver.js';
export {
  IGNORE_UNFIXED_ANNOTATION,
  type ImageUse,
  planScan,
  podsIgnoreUnfixed,
  podsUsing,
  type ReportedManifest,
  runsReportedManifest,
  type ScannedPod,
  type ScanPlan,
  selects,
} from './plan.js';
export { DEFAULT_RETRY_DELAYS, type RetryDelays, retryDelayMs } from './retry-delay.js';
export {
  createScanController,
  NOTIFYING,
  SCANNED,
  type ScanController,
  type ScanControllerOptions,
} from './scan-controller.js';
