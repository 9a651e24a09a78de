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
  reconcileScanPolicy,
  type ScanController,
  type ScanControllerOptions,
  type ScanPolicyContext,
} from './scan-controller.js';
export { ScanFailedError, scanErrorPolicy } from './scan-error-policy.js';
export {
  excludedStatusFields,
  type ImageResult,
  NOTIFYING,
  PENDING_RETRY_MS,
  planScanStatus,
  SCANNED,
  type ScanStatusInput,
  type ScanStatusPlan,
  scanStatusFields,
} from './scan-status.js';
