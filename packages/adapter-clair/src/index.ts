/**
 * @nimbus-ts/adapter-clair.
 *
 * The Clair adapter scans the images of running workloads with Clair v4, publishes VulnerabilityReports and
 * runs the image admission webhook (see docs/ARCHITECTURE.md). This entry point holds its API
 * (scanning.nimbus-ts.io/v1alpha1: ImageScanPolicy and VulnerabilityReport, with the CRDs in crds/), the
 * builder that turns NimbusPolicies into ImageScanPolicies, the pure report functions, and notifications
 * (Slack messages and their delivery, the notified ledger, Clair's notifier webhook).
 *
 * @packageDocumentation
 */
export { buildClairPolicies, clairScanDeclaration } from './adapter.js';
export * from '@nimbus-ts/adapter-admission';
export * from '@nimbus-ts/scan-api';
export * from './build/index.js';
// The Clair client and the wire types its methods use, since ImageScanner takes one; the rest of src/clair
// stays internal. Clair's VulnerabilityReport is renamed: the entry point's VulnerabilityReport is the CRD.
export {
  ClairClient,
  type ClairClientOptions,
  type ClairDistribution,
  type ClairEnvironment,
  ClairError,
  type ClairErrorKind,
  type ClairErrorOptions,
  ClairIndexError,
  type ClairLayer,
  type ClairManifest,
  type ClairNotification,
  type ClairPackage,
  type ClairRepository,
  type ClairVulnerability,
  type IndexReport,
  type IndexState,
  InvalidPskKeyError,
  type NormalizedSeverity,
  type NotificationPage,
  type NotificationPageOptions,
  type NotificationVulnerability,
  type VulnerabilityReport as ClairVulnerabilityReport,
  type VulnerabilityReportResult,
} from '@nimbus-ts/clair-client';
export * from './notify/index.js';
// The registry types that the scanner's and the webhook's public signatures use, and the error they throw;
// the rest of src/registry stays internal. ResolvedImage is renamed: admission has its own.
export {
  type ContainerKind,
  type ContainerLike,
  type ContainerStatusLike,
  type DockerCredential,
  type FetchLike,
  type ImageReference,
  type Platform,
  RegistryError,
  type RegistryErrorDetail,
  type RegistryErrorKind,
  type RegistryErrorOptions,
  type ResolvedImage as RegistryResolvedImage,
  type ResolvedLayer,
  type SecretLike,
  type SkippedImage,
} from '@nimbus-ts/registry';
export * from './report/index.js';
export * from './scanner/index.js';
export * from '@nimbus-ts/adapter-admission';
