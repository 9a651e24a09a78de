import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { IntentIds, SubPolicyIds } from '@nimbus-ts/idpool';
import { boundedName } from '@nimbus-ts/k8s';
import type { KubeArmorAction, KubeArmorPolicy, KubeArmorPolicySpec } from './kubearmor-policy.js';
import { kubeArmorSeverity } from './severity.js';
import {
  disallowCapabilitiesTemplate,
  disallowChRootTemplate,
  dnsManipulationTemplate,
  preventExecutionFromTempOrLogsFoldersTemplate,
  swDeploymentToolsTemplate,
  type Template,
  unAuthorizedSaTokenAccessTemplate,
} from './templates.js';

/** The canonical intent IDs the KubeArmor adapter enforces, in the order of the ID pool. */
export const KUBEARMOR_INTENTS = Object.freeze([
  IntentIds.swDeploymentTools,
  IntentIds.unAuthorizedSaTokenAccess,
  IntentIds.dnsManipulation,
  IntentIds.escapeToHost,
  IntentIds.preventExecutionFromTempOrLogsFolders,
] as const);

/** One of {@link KUBEARMOR_INTENTS}. */
export type KubeArmorIntentId = (typeof KUBEARMOR_INTENTS)[number];

/** One KubeArmorPolicy to build for a rule: its name after `<policy>-`, and its content. */
interface PolicyPlan {
  readonly nameSuffix: string;
  readonly template: Template;
}

// Names are lower-cased because Kubernetes object names must be; the IDs are camelCase.
const single = (id: string, template: Template): readonly PolicyPlan[] => [
  { nameSuffix: id.toLowerCase(), template },
];
const escapeToHostPart = (subPolicy: string, template: Template): PolicyPlan => ({
  nameSuffix: `${IntentIds.escapeToHost}-${subPolicy}`.toLowerCase(),
  template,
});

// Typed by KubeArmorIntentId so that an ID added to KUBEARMOR_INTENTS without a plan does not compile.
const PLANS: Readonly<Record<KubeArmorIntentId, readonly PolicyPlan[]>> = {
  [IntentIds.swDeploymentTools]: single(IntentIds.swDeploymentTools, swDeploymentToolsTemplate),
  [IntentIds.unAuthorizedSaTokenAccess]: single(
    IntentIds.unAuthorizedSaTokenAccess,
    unAuthorizedSaTokenAccessTemplate,
  ),
  [IntentIds.dnsManipulation]: single(IntentIds.dnsManipulation, dnsManipulationTemplate),
  // Three policies rather than one with three sections, as upstream does, so each can be told apart in
  // KubeArmor's alerts and status by its name.
  [IntentIds.escapeToHost]: [
    escapeToHostPart(SubPolicyIds.disallowChRoot, disallowChRootTemplate),
    escapeToHostPart(SubPolicyIds.disallowCapabilities, disallowCapabilitiesTemplate),
    escapeToHostPart(SubPolicyIds.swDeploymentTools, swDeploymentToolsTemplate),
  ],
  [IntentIds.preventExecutionFromTempOrLogsFolders]: single(
    IntentIds.preventExecutionFromTempOrLogsFolders,
    preventExecutionFromTempOrLogsFoldersTemplate,
  ),
};

// Object.hasOwn rather than `in`, so that IDs such as `toString` are not mistaken for supported ones.
const isKubeArmorIntent = (id: string): id is KubeArmorIntentId => Object.hasOwn(PLANS, id);

/**
 * The KubeArmor action for an intent's action: `Block` and `Enforce` (the tutorial's word for it) block,
 * `Audit` audits.
 *
 * @remarks
 * Any other text audits too: the NimbusPolicy keeps the action as free text so that other Nimbus versions stay
 * readable, and a value this adapter does not understand must never start denying workloads their files and
 * programs.
 */
export function kubeArmorAction(action: string): Extract<KubeArmorAction, 'Audit' | 'Block'> {
  switch (action) {
    case 'Block':
    case 'Enforce':
      return 'Block';
    default:
      return 'Audit';
  }
}

function specFor(policy: NimbusPolicy, rule: NimbusRule, template: Template): KubeArmorPolicySpec {
  const action = kubeArmorAction(rule.rule.action);
  const sections = template(action);
  const severity = kubeArmorSeverity(rule.severity);
  return {
    // Copied so the result shares nothing with the input: the SDK may add to what a builder returns.
    selector: { matchLabels: { ...policy.spec.selector.matchLabels } },
    // Sections a policy does not use are written as {} because upstream writes them so and its end-to-end
    // tests (and anything else compared with its objects) expect the keys; KubeArmor's schema accepts them.
    process: sections.process ?? {},
    file: sections.file ?? {},
    network: {},
    capabilities: sections.capabilities ?? {},
    syscalls: {},
    // Severity and tags are dropped by upstream; they are kept here so KubeArmor's alerts carry them.
    ...(severity === undefined ? {} : { severity }),
    ...(rule.tags && rule.tags.length > 0 ? { tags: [...rule.tags] } : {}),
    ...(rule.description ? { message: rule.description } : {}),
    action,
  };
}

/**
 * Builds the KubeArmorPolicies for one NimbusPolicy: one per rule in {@link KUBEARMOR_INTENTS}, in rule order,
 * named `<policy>-<lower-case ID>`; `escapeToHost` builds three, named
 * `<policy>-escapetohost-disallowchroot`, `-disallowcapabilities` and `-swdeploymenttools`.
 *
 * @param policy - The NimbusPolicy; only its name and selector are read.
 * @param context - `rules` holds the supported rules with canonical IDs; rules with other IDs are ignored.
 * @returns New objects without a namespace, owner reference or managed-by annotation, which the SDK adds.
 * Neither the policy nor the context is changed.
 */
export function buildKubeArmorPolicies(policy: NimbusPolicy, context: BuildContext): KubeArmorPolicy[] {
  const policyName = policy.metadata.name;
  if (!policyName) throw new Error('a NimbusPolicy without metadata.name cannot be built');
  const built: KubeArmorPolicy[] = [];
  // The context promises one rule per ID; should two arrive anyway, the first wins rather than two objects of
  // the same name being returned.
  const seen = new Set<string>();
  for (const { id, rule } of context.rules) {
    if (!isKubeArmorIntent(id) || seen.has(id)) continue;
    seen.add(id);
    for (const plan of PLANS[id]) {
      built.push({
        apiVersion: 'security.kubearmor.com/v1',
        kind: 'KubeArmorPolicy',
        // Upstream's name, or one shortened with a hash suffix where upstream's would be too long to create.
        metadata: { name: boundedName([policyName, plan.nameSuffix]) },
        spec: specFor(policy, rule, plan.template),
      });
    }
  }
  return built;
}
