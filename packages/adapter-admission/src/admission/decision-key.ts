/**
 * The decision cache's key: everything a decision depends on, and nothing else, so a hit is the decision
 * `decide` would make.
 *
 * That is: each applying policy's identity (name, which messages show, and uid with generation, which
 * change whenever the spec does; a policy without them is keyed by its spec), every image with its
 * container (messages name containers), and for vulnerability decisions each verdict's fingerprint. The
 * namespace is not in the key on its own: policies belong to one namespace, and with no policy nothing is
 * cached.
 */

import type { ReviewedImage } from './admission-input.js';
import type { ImageAdmissionPolicyView } from './policy.js';
import { type VulnerabilityVerdict, verdictFingerprint } from './verdict.js';

/**
 * The cache key for deciding on `images` under `policies`, with `verdicts` for the canonical references in
 * `verdictImages` when vulnerability rules apply.
 */
export function decisionKey(
  images: readonly ReviewedImage[],
  policies: readonly ImageAdmissionPolicyView[],
  verdictImages?: readonly string[],
  verdicts?: ReadonlyMap<string, VulnerabilityVerdict>,
): string {
  // JSON of arrays keeps the parts apart whatever characters the (user-written) images contain.
  return JSON.stringify([
    policies.map(policyIdentity),
    images.map((image) => [image.source ?? '', image.container ?? '', image.image]),
    (verdictImages ?? []).map((image) => [image, verdictFingerprint(verdicts?.get(image))]),
  ]);
}

function policyIdentity(policy: ImageAdmissionPolicyView): string {
  const { name, namespace, uid, generation } = policy.metadata;
  return uid !== undefined && generation !== undefined
    ? `${namespace}/${name}#${uid}@${generation}`
    : `${namespace}/${name}:${JSON.stringify(policy.spec)}`;
}
