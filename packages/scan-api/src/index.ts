/**
 * `@nimbus-ts/scan-api`: what the image scanner (`@nimbus-ts/adapter-clair`) and the image admission webhook
 * (`@nimbus-ts/adapter-admission`) share — the scanning.nimbus-ts.io/v1alpha1 API (ImageScanPolicy,
 * ImageAdmissionPolicy and VulnerabilityReport, with the CRDs in crds/), severities, the summary of a Clair
 * vulnerability report, and the rule parameters both builders read the same way.
 *
 * @packageDocumentation
 */
export * from './api/index.js';
export { compareText, type FindingOrderKey, findingOrder } from './findings.js';
export { RESCAN_INTERVAL_PATTERN, rescanIntervalSeconds, scanAction } from './params.js';
export {
  atLeast,
  bySeverityDescending,
  DEFAULT_SEVERITY_THRESHOLD,
  isSeverity,
  moreSevere,
  normalizeSeverity,
  SEVERITIES,
  SEVERITY_THRESHOLDS,
  type Severity,
  severityRank,
} from './severity.js';
export {
  type ClairPackageInput,
  type ClairVulnerabilityInput,
  type ClairVulnerabilityReportInput,
  cutText,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_VULNERABILITIES,
  FINDING_LIMITS,
  inclusiveOptions,
  kubernetesTimestamp,
  MAX_VULNERABILITIES_LIMIT,
  type SummarizeOptions,
  summarizeReport,
} from './summarize.js';
