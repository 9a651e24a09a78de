/**
 * `@nimbus-ts/clair-client`: Clair v4 API access — wire types, PSK JWTs, the index Manifest, a client for the
 * indexer, matcher and notifier, the connection settings read from the environment, and the ImageScanner, which
 * resolves an image through its registry (`@nimbus-ts/registry`), has Clair index it once, and fetches its
 * vulnerability report.
 *
 * @packageDocumentation
 */
export type {
  ClairDistribution,
  ClairEnvironment,
  ClairErrorBody,
  ClairLayer,
  ClairManifest,
  ClairNotification,
  ClairPackage,
  ClairRepository,
  ClairVulnerability,
  IndexReport,
  IndexState,
  NormalizedSeverity,
  NotificationPage,
  NotificationVulnerability,
  NotificationWebhook,
  VulnerabilityReport,
} from './api-types.js';
export {
  ClairClient,
  type ClairClientOptions,
  type NotificationPageOptions,
  type VulnerabilityReportResult,
} from './clair-client.js';
export {
  ClairError,
  type ClairErrorKind,
  type ClairErrorOptions,
  ClairIndexError,
  layerFetchStatus,
} from './clair-error.js';
export { CLAIR_ENV, type ClairConfig, clairConfig } from './config.js';
export {
  type ImageScanMetrics,
  ImageScanner,
  type ImageScannerOptions,
  type ScannerCounters,
  type ScanOutcome,
  type ScanTarget,
  type TagTarget,
} from './image-scanner.js';
export {
  decodePskKey,
  generatePskKey,
  InvalidPskKeyError,
  type MintTokenOptions,
  mintClairToken,
} from './jwt.js';
export { ConcurrencyLimiter } from './limiter.js';
export { buildClairManifest } from './manifest.js';
export { SingleFlight } from './single-flight.js';
