/**
 * A broken rule: which image, where, which policy and why, and the one-line text users read in a denial,
 * a warning or an Event.
 */
import type { ContainerSource } from './admission-input.js';
import type { AdmissionAction, AdmissionRule } from './policy.js';

/**
 * The rule a violation is about. `imageReference` stands for "the image is not a valid reference", which
 * breaks every rule of a policy at once since none can be checked.
 */
export type ViolationRule = AdmissionRule | 'imageReference';

/** One image breaking one rule of one policy. */
export interface Violation {
  /** The image as written in the request. */
  readonly image: string;
  readonly container?: string;
  readonly source?: ContainerSource;
  /** The policy's name (it is in the namespace of the request). */
  readonly policy: string;
  readonly rule: ViolationRule;
  readonly action: AdmissionAction;
  /** Why, as a phrase that follows the image: `uses the mutable tag latest; pin a version or a digest`. */
  readonly reason: string;
}

const SOURCE_NAMES: Readonly<Record<ContainerSource, string>> = {
  container: 'container',
  initContainer: 'init container',
  ephemeralContainer: 'ephemeral container',
};

/**
 * The violation as one line, e.g.
 * `container web: image nginx:latest uses the mutable tag latest; pin a version or a digest (policy
 * images, disallowLatestTag)`. The container is left out when the request did not name it (ImageReview).
 */
export function describeViolation(violation: Violation): string {
  const where =
    violation.container === undefined
      ? ''
      : `${SOURCE_NAMES[violation.source ?? 'container']} ${violation.container || '(unnamed)'}: `;
  const image = violation.image === '' ? '(empty)' : violation.image;
  return `${where}image ${image} ${violation.reason} (policy ${violation.policy}, ${violation.rule})`;
}
