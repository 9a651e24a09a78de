import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { IntentIds } from '@nimbus-ts/idpool';
import { boundedName } from '@nimbus-ts/k8s';
import type { ImageAdmissionPolicy, ImageAdmissionPolicySpec } from '@nimbus-ts/scan-api';
import { SCANNING_API_VERSION, scanAction } from '@nimbus-ts/scan-api';
import {
  allowedRegistriesParams,
  blockVulnerableImagesParams,
  disallowLatestTagParams,
} from './admission-params.js';

/** The canonical intent IDs the Clair adapter builds ImageAdmissionPolicies for, in the spec's field order. */
export const ADMISSION_INTENTS = Object.freeze([
  IntentIds.disallowLatestTag,
  IntentIds.allowedRegistries,
  IntentIds.blockVulnerableImages,
] as const);

/** One of {@link ADMISSION_INTENTS}; each names the spec field its rule becomes. */
type AdmissionIntent = (typeof ADMISSION_INTENTS)[number];

/** What follows the NimbusPolicy's name in the name of its ImageAdmissionPolicy. */
export const IMAGE_ADMISSION_POLICY_SUFFIX = '-imageadmission';

/** The checks of an ImageAdmissionPolicy spec: every field but the selector. */
type AdmissionChecks = Omit<ImageAdmissionPolicySpec, 'selector'>;

/**
 * The spec field for one admission rule. The action is mapped as for scanning (Block and Enforce block, anything
 * else audits), so a misspelt action never starts rejecting pods.
 *
 * @throws Error from the intent's parameter reader when the rule's parameters are invalid.
 */
function checkFor(
  id: AdmissionIntent,
  { action: intentAction, params }: NimbusRule['rule'],
): AdmissionChecks {
  const action = scanAction(intentAction);
  switch (id) {
    case IntentIds.disallowLatestTag:
      disallowLatestTagParams(params);
      return { disallowLatestTag: { action } };
    case IntentIds.allowedRegistries:
      return { allowedRegistries: { action, registries: [...allowedRegistriesParams(params).registries] } };
    case IntentIds.blockVulnerableImages:
      return { blockVulnerableImages: { action, ...blockVulnerableImagesParams(params) } };
  }
}

const isAdmissionIntent = (id: string): id is AdmissionIntent =>
  (ADMISSION_INTENTS as readonly string[]).includes(id);

/**
 * Builds the ImageAdmissionPolicy for one NimbusPolicy: one object, named `<policy>-imageadmission`, when the
 * policy has a rule of at least one of {@link ADMISSION_INTENTS}, with one spec field per such rule; none
 * otherwise.
 *
 * Every field the CRD defaults is written, so that the object the API server stores equals the built one and a
 * rebuild of an unchanged policy writes nothing. The fields come in the CRD's order whatever the rules' order.
 *
 * @param policy - The NimbusPolicy; only its name, namespace and selector are read.
 * @param context - `rules` holds the supported rules with canonical IDs; rules with other IDs are ignored, and
 * a repeated ID counts once (the first rule wins).
 * @returns New objects without a namespace, owner reference or managed-by annotation, which the SDK adds.
 * Neither the policy nor the context is changed.
 * @throws Error naming the policy, each rule whose parameters are invalid, the parameter and what it accepts;
 * the SDK reports it as the policy's BuildFailed condition.
 */
export function buildImageAdmissionPolicies(
  policy: NimbusPolicy,
  context: BuildContext,
): ImageAdmissionPolicy[] {
  const policyName = policy.metadata.name;
  if (!policyName) throw new Error('a NimbusPolicy without metadata.name cannot be built');
  const where = `NimbusPolicy ${policy.metadata.namespace ? `${policy.metadata.namespace}/` : ''}${policyName}`;

  const checks = new Map<AdmissionIntent, AdmissionChecks>();
  const problems: string[] = [];
  const seen = new Set<AdmissionIntent>();
  for (const supported of context.rules) {
    const { id } = supported;
    if (!isAdmissionIntent(id) || seen.has(id)) continue;
    seen.add(id);
    try {
      checks.set(id, checkFor(id, supported.rule.rule));
    } catch (error) {
      problems.push(`rule ${supported.rule.id}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new Error(`${where}, ${problems.join('; ')}`);
  if (checks.size === 0) return [];

  // Shortened with a hash suffix when a long policy name would make it longer than the API server accepts.
  const name = boundedName([`${policyName}${IMAGE_ADMISSION_POLICY_SUFFIX}`]);
  // Copied so the result shares nothing with the input: the SDK may add to what a builder returns.
  const spec: ImageAdmissionPolicySpec = {
    selector: { matchLabels: { ...policy.spec.selector.matchLabels } },
  };
  for (const id of ADMISSION_INTENTS) Object.assign(spec, checks.get(id));
  return [{ apiVersion: SCANNING_API_VERSION, kind: 'ImageAdmissionPolicy', metadata: { name }, spec }];
}
