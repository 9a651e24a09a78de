/**
 * Image admission: the ValidatingAdmissionWebhook (AdmissionReview v1) and ImagePolicyWebhook (ImageReview)
 * endpoints that enforce `disallowLatestTag`, `allowedRegistries` and `blockVulnerableImages`. The pure
 * pieces (review parsing, policy selection, decisions, cache keys, answers) are exported for tests and
 * tools; `createAdmissionHandler` and `startAdmissionServer` sequence them.
 *
 * @packageDocumentation
 */
export type {
  AdmissionInput,
  AdmissionSubject,
  ContainerSource,
  ReviewedImage,
} from './admission-input.js';
export {
  ADMISSION_REVIEW_API_VERSION,
  type ParsedAdmissionReview,
  parseAdmissionReview,
} from './admission-review-parse.js';
export { jsonContentTypeProblem } from './content-type.js';
export { type AdmissionDecision, ALLOW_ALL, decide } from './decide.js';
export {
  DEFAULT_DECISION_CACHE_ENTRIES,
  DEFAULT_DECISION_CACHE_TTL_MS,
  DecisionCache,
  type DecisionCacheOptions,
} from './decision-cache.js';
export { decisionKey } from './decision-key.js';
export {
  ADMISSION_PATHS,
  type AdmissionHandlerOptions,
  type AdmissionLogger,
  type AuditEvent,
  createAdmissionHandler,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT_BODIES,
  DEFAULT_MAX_QUEUED_BODIES,
  DEFAULT_MAX_SCAN_BUDGET_MS,
  requestPath,
} from './handler.js';
export { IMAGE_REVIEW_API_VERSION, type ParsedImageReview, parseImageReview } from './image-review-parse.js';
export { DEFAULT_JSON_SHAPE_LIMITS, type JsonShapeLimits, jsonShapeProblem } from './json-shape.js';
export { latestTagReason } from './latest-tag-rule.js';
export { podTemplatePath } from './pod-template.js';
export type {
  AdmissionAction,
  AdmissionRule,
  AdmissionSeverityThreshold,
  AllowedRegistriesRule,
  BlockVulnerableImagesRule,
  DisallowLatestTagRule,
  ImageAdmissionPolicyView,
  UnscannedImagesAction,
} from './policy.js';
export {
  normaliseRegistryHost,
  parseRegistryPattern,
  type RegistryPattern,
  registryAllows,
} from './registry-match.js';
export { type ResolvedImage, resolveImages } from './resolve-images.js';
export {
  type AdmissionResponse,
  type AdmissionReviewAnswer,
  AUDIT_VIOLATIONS_ANNOTATION,
  admissionReviewAllowed,
  admissionReviewAnswer,
  admissionReviewMalformed,
  type ImageReviewAnswer,
  imageReviewAnswer,
  MAX_LISTED_VIOLATIONS,
  violationList,
} from './response.js';
export { selectPolicies } from './select-policies.js';
export {
  type AdmissionClientAuth,
  type AdmissionServer,
  type AdmissionServerOptions,
  type AdmissionTlsMaterial,
  startAdmissionServer,
} from './server.js';
export { type VerdictFinding, type VulnerabilityVerdict, verdictFingerprint } from './verdict.js';
export { type VerdictRequest, verdictRequest } from './verdict-request.js';
export {
  SCANNER_FAILED_REASON,
  type VerdictContext,
  type VerdictSource,
  verdictsWithin,
} from './verdicts-within.js';
export { describeViolation, type Violation, type ViolationRule } from './violation.js';
export { judgeVulnerabilities, type VulnerabilityJudgement } from './vulnerability-rule.js';
export { fitText, fitWarnings, MAX_WARNING_BYTES, MAX_WARNINGS } from './warnings.js';
