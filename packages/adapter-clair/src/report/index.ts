// The pure parts of reporting the scanner keeps: report names and which findings are new (severities and the
// report summary are @nimbus-ts/scan-api's, shared with admission).

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
