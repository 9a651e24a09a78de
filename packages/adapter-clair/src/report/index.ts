// The pure parts of reporting: severities, report content, report names and which findings are new.

export { compareText, type FindingOrderKey, findingOrder } from '@nimbus-ts/scan-api';
export {
  findingKey,
  type NewFinding,
  newFindings,
  notifiableKeys,
  type ReportOfImage,
} from './new-findings.js';
export {
  DIGEST_LABEL,
  digestSelector,
  IMAGE_LABEL,
  imageName,
  MANAGED_BY_LABEL,
  MAX_IMAGE_NAME_LENGTH,
  REPORT_MANAGER,
  reportLabels,
  reportName,
  SHORT_DIGEST_LENGTH,
  shortDigest,
} from './report-name.js';
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
} from '@nimbus-ts/scan-api';
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
} from '@nimbus-ts/scan-api';
