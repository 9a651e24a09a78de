/**
 * @nimbus-ts/adapter-clair.
 *
 * The Clair adapter scans the images of running workloads with Clair v4 and publishes VulnerabilityReports
 * (see docs/ARCHITECTURE.md). This entry point holds its declaration, the builder that turns NimbusPolicies into
 * ImageScanPolicies, the scanner, the report functions it alone uses, and notifications (Slack messages and
 * their delivery, the notified ledger, Clair's notifier webhook). The scanning.nimbus-ts.io API is
 * `@nimbus-ts/scan-api`'s, the Clair client `@nimbus-ts/clair-client`'s and the registry client
 * `@nimbus-ts/registry`'s.
 *
 * @packageDocumentation
 */
export { clairScanDeclaration } from './adapter.js';
export * from './build/index.js';
export * from './notify/index.js';
export * from './report/index.js';
export * from './scanner/index.js';
