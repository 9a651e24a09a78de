/**
 * Clair v4 API access: wire types, PSK JWTs, the index Manifest, and a client for the indexer, matcher
 * and notifier.
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
export {
  decodePskKey,
  generatePskKey,
  InvalidPskKeyError,
  type MintTokenOptions,
  mintClairToken,
} from './jwt.js';
export { buildClairManifest } from './manifest.js';
