/**
 * The answers: an AdmissionReview v1 response for the validating webhook, an ImageReview status for the
 * ImagePolicyWebhook backend. Both carry a denial's reasons in one message listing each offending image,
 * and Audit violations as warnings (AdmissionReview only) and audit annotations.
 */
import { ADMISSION_REVIEW_API_VERSION } from './admission-review-parse.js';
import type { AdmissionDecision } from './decide.js';
import { IMAGE_REVIEW_API_VERSION } from './image-review-parse.js';
import { describeViolation, type Violation } from './violation.js';
import { fitText, fitWarnings } from './warnings.js';

/** The `response` of an AdmissionReview. */
export interface AdmissionResponse {
  /** The request's uid, always. */
  readonly uid: string;
  readonly allowed: boolean;
  /** Why it was refused; the apiserver shows `message` to the user. */
  readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
  /** Shown by kubectl as `Warning: …`. */
  readonly warnings?: readonly string[];
  /** Recorded in the audit log, prefixed by the webhook's name. */
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

/** An AdmissionReview answer. */
export interface AdmissionReviewAnswer {
  readonly apiVersion: typeof ADMISSION_REVIEW_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/** An ImageReview answer: the apiserver reads `status` only. */
export interface ImageReviewAnswer {
  readonly apiVersion: typeof IMAGE_REVIEW_API_VERSION;
  readonly kind: 'ImageReview';
  readonly status: {
    readonly allowed: boolean;
    /** Why it was refused; the apiserver shows it after `image policy webook backend denied one or more images: `. */
    readonly reason?: string;
    /** Recorded in the audit log under `imagepolicywebhook.image-policy.k8s.io/<key>`. */
    readonly auditAnnotations?: Readonly<Record<string, string>>;
  };
}

/** The audit annotation key listing Audit violations. */
export const AUDIT_VIOLATIONS_ANNOTATION = 'audit-violations';
/** How many violations a message or annotation lists before counting the rest. */
export const MAX_LISTED_VIOLATIONS = 10;
/** The longest audit annotation value, in UTF-8 bytes. */
const MAX_ANNOTATION_BYTES = 2048;

/**
 * The violations as one text, `; `-separated, listing at most {@link MAX_LISTED_VIOLATIONS} and counting
 * the rest: `container web: image nginx:latest uses the mutable tag latest; …`.
 */
export function violationList(violations: readonly Violation[]): string {
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS).map(describeViolation);
  const rest = violations.length - listed.length;
  return rest > 0 ? `${listed.join('; ')}; and ${rest} more` : listed.join('; ');
}

/** The AdmissionReview answer carrying `decision` for the request `uid`. */
export function admissionReviewAnswer(uid: string, decision: AdmissionDecision): AdmissionReviewAnswer {
  const warnings = fitWarnings([...decision.warnings.map(describeViolation), ...decision.notices]);
  const auditAnnotations = auditAnnotationsOf(decision.warnings);
  return admissionReview({
    uid,
    allowed: decision.allowed,
    ...(decision.allowed
      ? {}
      : { status: { code: 403, reason: 'Forbidden', message: violationList(decision.denials) } }),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(auditAnnotations !== undefined ? { auditAnnotations } : {}),
  });
}

/** The AdmissionReview answer allowing a request that has nothing to check. */
export function admissionReviewAllowed(uid: string): AdmissionReviewAnswer {
  return admissionReview({ uid, allowed: true });
}

/**
 * The AdmissionReview answer refusing a request whose object cannot be read (code 400): refusing in the
 * review, rather than failing the call, tells the user why and does not depend on the failurePolicy.
 */
export function admissionReviewMalformed(uid: string, message: string): AdmissionReviewAnswer {
  return admissionReview({ uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } });
}

/** The ImageReview answer carrying `decision`. */
export function imageReviewAnswer(decision: AdmissionDecision): ImageReviewAnswer {
  const auditAnnotations = auditAnnotationsOf(decision.warnings);
  return {
    apiVersion: IMAGE_REVIEW_API_VERSION,
    kind: 'ImageReview',
    status: {
      allowed: decision.allowed,
      ...(decision.allowed ? {} : { reason: violationList(decision.denials) }),
      ...(auditAnnotations !== undefined ? { auditAnnotations } : {}),
    },
  };
}

function admissionReview(response: AdmissionResponse): AdmissionReviewAnswer {
  return { apiVersion: ADMISSION_REVIEW_API_VERSION, kind: 'AdmissionReview', response };
}

function auditAnnotationsOf(audited: readonly Violation[]): Record<string, string> | undefined {
  if (audited.length === 0) return undefined;
  return { [AUDIT_VIOLATIONS_ANNOTATION]: fitText(violationList(audited), MAX_ANNOTATION_BYTES) };
}
