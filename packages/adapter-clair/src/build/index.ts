export {
  ADMISSION_PARAMS,
  type AllowedRegistriesParams,
  allowedRegistriesParams,
  type BlockVulnerableImagesParams,
  blockVulnerableImagesParams,
  DEFAULT_SCAN_TIMEOUT_SECONDS,
  DEFAULT_UNSCANNED_IMAGES,
  disallowLatestTagParams,
  MAX_REGISTRIES,
  MAX_REGISTRY_LENGTH,
  MAX_SCAN_TIMEOUT_SECONDS,
  MIN_SCAN_TIMEOUT_SECONDS,
  normalizeRegistry,
  REGISTRY_PATTERN,
  scanTimeoutSeconds,
} from '@nimbus-ts/adapter-admission';
export {
  buildImageAdmissionPolicies,
  CLAIR_ADMISSION_INTENTS,
  IMAGE_ADMISSION_POLICY_SUFFIX,
} from '@nimbus-ts/adapter-admission';
export { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from './image-scan-policy.js';
export {
  DEFAULT_RESCAN_INTERVAL,
  MAX_RESCAN_INTERVAL_SECONDS,
  MIN_RESCAN_INTERVAL_SECONDS,
  RESCAN_INTERVAL_PATTERN,
  rescanIntervalSeconds,
  SCAN_PARAMS,
  type ScanParams,
  scanAction,
  scanParams,
} from './params.js';
