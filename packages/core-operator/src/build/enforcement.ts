import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { ConditionInput, NimbusRule } from '@nimbus-ts/k8s';

/** The condition type on (Cluster)NimbusPolicies that says whether every rule has a running adapter. */
export const ENFORCED = 'Enforced';

/**
 * Whether every rule of a policy is enforced by a running adapter, from the adapters' announcements
 * (adapter name → the intent IDs it enforces). A rule is covered when a running adapter announces its
 * canonical ID. A rule nobody covers makes the condition False, naming the rule and the engines that could
 * enforce it, so the fix (deploy one of them) is in the message.
 */
export function enforcedCondition(
  rules: readonly NimbusRule[],
  adapters: ReadonlyMap<string, ReadonlySet<string>>,
  registry: IntentRegistry,
  generation: number | undefined,
): ConditionInput {
  const uncovered: string[] = [];
  for (const rule of rules) {
    const id = registry.canonicalId(rule.id) ?? rule.id;
    const covered = [...adapters.values()].some((ids) => ids.has(id));
    if (!covered) {
      const engines = registry.enginesFor(rule.id);
      uncovered.push(
        engines.length > 0
          ? `${rule.id} (deploy an adapter for ${engines.join(' or ')})`
          : `${rule.id} (no known engine enforces it)`,
      );
    }
  }
  if (uncovered.length > 0) {
    return {
      type: ENFORCED,
      status: 'False',
      reason: 'NoRunningAdapter',
      message: `no running adapter enforces ${uncovered.join(', ')}`,
      observedGeneration: generation,
    };
  }
  return {
    type: ENFORCED,
    status: 'True',
    reason: rules.length === 0 ? 'NoRules' : 'AdaptersRunning',
    message:
      rules.length === 0 ? 'the policy has no rules' : 'every rule has a running adapter that enforces it',
    observedGeneration: generation,
  };
}
