/**
 * @nimbus-ts/adapter-admission.
 *
 * The admission adapter (engine `admission`) enforces image rules as pods and workloads are created: it builds
 * ImageAdmissionPolicies from NimbusPolicies' disallowLatestTag, allowedRegistries and blockVulnerableImages
 * rules, and serves them as a ValidatingAdmissionWebhook (AdmissionReview) and ImagePolicyWebhook (ImageReview),
 * scanning images not yet scanned through Clair within the time budget (see docs/ARCHITECTURE.md). This entry
 * point holds its declaration, the builder, the pure admission decisions and the webhook.
 *
 * @packageDocumentation
 */
export { admissionDeclaration } from './adapter.js';
export * from './admission/index.js';
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
} from './build/admission-params.js';
export {
  ADMISSION_INTENTS,
  buildImageAdmissionPolicies,
  IMAGE_ADMISSION_POLICY_SUFFIX,
} from './build/image-admission-policy.js';
export * from './webhook/index.js';
