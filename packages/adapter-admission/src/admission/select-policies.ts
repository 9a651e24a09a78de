/**
 * Which of a namespace's policies apply to a pod. Only `matchLabels` exists in the policy's selector, so a
 * policy applies when every one of its labels is on the pod with the same value.
 */
import type { ImageAdmissionPolicyView } from './policy.js';

/**
 * The policies among `policies` whose selector matches `labels`.
 *
 * `labels` undefined means the request does not say (an ImageReview carries no pod labels): then every
 * policy applies, since leaving one out would let an image through that the policy means to stop.
 * Labels are read as own properties only, so label keys such as `constructor` or `__proto__` in a request
 * body never match anything inherited.
 */
export function selectPolicies(
  policies: readonly ImageAdmissionPolicyView[],
  labels: Readonly<Record<string, unknown>> | undefined,
): readonly ImageAdmissionPolicyView[] {
  if (labels === undefined || policies.length === 0) return policies;
  return policies.filter((policy) => selects(policy.spec.selector?.matchLabels, labels));
}

function selects(
  matchLabels: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, unknown>>,
): boolean {
  if (matchLabels === undefined) return true;
  for (const key in matchLabels) {
    if (!Object.hasOwn(matchLabels, key)) continue;
    if (!Object.hasOwn(labels, key) || labels[key] !== matchLabels[key]) return false;
  }
  return true;
}
