/**
 * The admission decision: every selected policy's rules against every image of the request. Pure: the
 * handler selects the policies, fetches the verdicts and acts on the result.
 */
import type { ImageReference } from '@nimbus-ts/registry';
import { latestTagReason } from './latest-tag-rule.js';
import type { AdmissionAction, ImageAdmissionPolicyView } from './policy.js';
import { parseRegistryPattern, type RegistryPattern, registryAllows } from './registry-match.js';
import type { ResolvedImage } from './resolve-images.js';
import type { VulnerabilityVerdict } from './verdict.js';
import type { Violation } from './violation.js';
import { judgeVulnerabilities } from './vulnerability-rule.js';

/** What admission answers. */
export interface AdmissionDecision {
  /** False when any rule with action Block is broken. */
  readonly allowed: boolean;
  /** The broken Block rules: the reasons for the denial. */
  readonly denials: readonly Violation[];
  /** The broken Audit rules: admission warnings, and Events once the object is admitted. */
  readonly warnings: readonly Violation[];
  /** Other things worth a warning that break no rule, such as an image admitted without a scan. */
  readonly notices: readonly string[];
}

/** The decision when no policy applies. */
export const ALLOW_ALL: AdmissionDecision = Object.freeze({
  allowed: true,
  denials: Object.freeze([]),
  warnings: Object.freeze([]),
  notices: Object.freeze([]),
});

/**
 * Decides on `images` under `policies` (already selected for the pod, see `selectPolicies`).
 *
 * `verdicts` holds the scanner's answer by canonical image reference (`reference.canonical`); an image
 * missing from it counts as unscanned. Violations come image by image, in request order, then policy by
 * policy, so messages read like the pod spec.
 *
 * An image that is not a valid reference breaks every policy that has any rule, once per policy, at the
 * policy's strictest action: no rule can show such an image to be acceptable.
 */
export function decide(
  images: readonly ResolvedImage[],
  policies: readonly ImageAdmissionPolicyView[],
  verdicts: ReadonlyMap<string, VulnerabilityVerdict> = new Map(),
): AdmissionDecision {
  if (policies.length === 0 || images.length === 0) return ALLOW_ALL;
  const denials: Violation[] = [];
  const warnings: Violation[] = [];
  const notices = new Set<string>();
  const report = (violation: Violation) =>
    (violation.action === 'Block' ? denials : warnings).push(violation);
  const allowLists = policies.map((policy) =>
    (policy.spec.allowedRegistries?.registries ?? []).map(parseRegistryPattern),
  );

  for (const image of images) {
    const at = {
      image: image.image,
      ...(image.container !== undefined ? { container: image.container } : {}),
      ...(image.source !== undefined ? { source: image.source } : {}),
    };
    policies.forEach((policy, index) => {
      const { disallowLatestTag, allowedRegistries, blockVulnerableImages } = policy.spec;
      const name = policy.metadata.name;
      if (image.reference === undefined) {
        const action = strictestAction(policy);
        if (action !== undefined) {
          report({
            ...at,
            policy: name,
            rule: 'imageReference',
            action,
            reason: `is not a valid image reference (${image.invalid}); fix the image name`,
          });
        }
        return;
      }
      if (disallowLatestTag !== undefined) {
        const reason = latestTagReason(image.reference);
        if (reason !== undefined) {
          report({
            ...at,
            policy: name,
            rule: 'disallowLatestTag',
            action: disallowLatestTag.action,
            reason,
          });
        }
      }
      const allowList = allowLists[index] ?? [];
      if (allowedRegistries !== undefined && !registryAllows(allowList, image.reference)) {
        report({
          ...at,
          policy: name,
          rule: 'allowedRegistries',
          action: allowedRegistries.action,
          reason: registryReason(image.reference, allowedRegistries.registries ?? [], allowList),
        });
      }
      if (blockVulnerableImages !== undefined) {
        const judgement = judgeVulnerabilities(
          verdicts.get(image.reference.canonical),
          blockVulnerableImages,
        );
        if (judgement.outcome === 'violation') {
          report({
            ...at,
            policy: name,
            rule: 'blockVulnerableImages',
            action: blockVulnerableImages.action,
            reason: judgement.reason,
          });
        } else if (judgement.outcome === 'unscanned-allowed') {
          notices.add(`image ${image.image} ${judgement.reason}; policy ${name} allows unscanned images`);
        }
      }
    });
  }
  return { allowed: denials.length === 0, denials, warnings, notices: [...notices] };
}

function strictestAction(policy: ImageAdmissionPolicyView): AdmissionAction | undefined {
  const actions = [
    policy.spec.disallowLatestTag?.action,
    policy.spec.allowedRegistries?.action,
    policy.spec.blockVulnerableImages?.action,
  ];
  if (actions.includes('Block')) return 'Block';
  return actions.includes('Audit') ? 'Audit' : undefined;
}

function registryReason(
  reference: ImageReference,
  registries: readonly string[],
  patterns: readonly RegistryPattern[],
): string {
  const list = `allowedRegistries [${registries.join(', ')}]`;
  return patterns.some((pattern) => pattern.pathPrefix !== undefined)
    ? `comes from ${reference.name}, which is under none of ${list}`
    : `comes from registry ${reference.registry}, which is not in ${list}`;
}
