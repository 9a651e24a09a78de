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
export * from './admission/index.js';
export * from './api/index.js';
export * from './build/index.js';
export * from './notify/index.js';
export * from './report/index.js';
export * from './scanner/index.js';
export * from './webhook/index.js';
