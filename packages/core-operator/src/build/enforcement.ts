import type { KubernetesObject } from '@kubernetes/client-node';
import { adapterConditionType, bindingOwner, type NimbusRule } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import { type Condition, type ConditionInput, findCondition, type ObjectRef } from '@nimbus-ts/k8s';

/** The condition type on (Cluster)NimbusPolicies that says whether every rule has a running adapter. */
export const ENFORCED = 'Enforced';

/**
 * Whether a (Cluster)NimbusPolicy is owned by a binding that exists: adapters act only on such policies (an
 * orphan expresses no user's binding), so a policy without one is enforced by nobody, whatever runs.
 */
export type BindingOwnership =
  | { readonly state: 'owned' }
  /** No binding is the policy's controller owner, e.g. a NimbusPolicy applied by hand. */
  | { readonly state: 'unowned'; readonly policyKind: string }
  /** The owner binding is gone (or a binding of its name is another object); `owner` is e.g. `SecurityIntentBinding shop/web`. */
  | { readonly state: 'ownerMissing'; readonly owner: string };

/**
 * The {@link BindingOwnership} of a policy, with the adapters' rule: its controller owner reference names a
 * binding kind that may own it, and a binding of that kind, name (and, for a SecurityIntentBinding, the
 * policy's namespace) exists with the referenced uid.
 *
 * @param find - looks a binding up by kind and reference (a cache read).
 */
export function bindingOwnership(
  policy: KubernetesObject,
  find: (kind: string, ref: ObjectRef) => KubernetesObject | undefined,
): BindingOwnership {
  const owner = bindingOwner(policy);
  if (!owner) return { state: 'unowned', policyKind: policy.kind ?? 'NimbusPolicy' };
  const namespace = owner.kind === 'SecurityIntentBinding' ? policy.metadata?.namespace : undefined;
  const ref: ObjectRef = namespace === undefined ? { name: owner.name } : { namespace, name: owner.name };
  if (find(owner.kind, ref)?.metadata?.uid === owner.uid) return { state: 'owned' };
  return { state: 'ownerMissing', owner: `${owner.kind} ${namespace ? `${namespace}/` : ''}${owner.name}` };
}

function orphanMessage(ownership: Exclude<BindingOwnership, { state: 'owned' }>): string {
  if (ownership.state === 'ownerMissing') {
    return (
      `its owner ${ownership.owner} does not exist, so every adapter ignores it; ` +
      're-create the binding, or delete this policy'
    );
  }
  const kind = ownership.policyKind;
  const bindings =
    kind === 'ClusterNimbusPolicy'
      ? ['ClusterSecurityIntentBinding']
      : ['SecurityIntentBinding', 'ClusterSecurityIntentBinding'];
  const bindWith =
    kind === 'ClusterNimbusPolicy'
      ? 'a ClusterSecurityIntentBinding'
      : 'a SecurityIntentBinding (or ClusterSecurityIntentBinding)';
  return (
    `no ${bindings.join(' or ')} owns this ${kind}, so every adapter ignores it. ` +
    `${kind === 'ClusterNimbusPolicy' ? 'ClusterNimbusPolicies' : 'NimbusPolicies'} are written by the core ` +
    `operator from bindings: bind the intents with ${bindWith} and delete this policy`
  );
}

/**
 * Whether every rule of a policy is enforced by a running adapter, from the adapters' announcements
 * (adapter name → the intent IDs it enforces). A rule is covered when a running adapter announces its
 * canonical ID. A rule nobody covers makes the condition False, naming the rule and the engines that could
 * enforce it, so the fix (deploy one of them) is in the message.
 *
 * A policy no existing binding owns is False whatever runs (reason `NoOwnerBinding`): every adapter ignores
 * it, and the message names the missing owner and the fix.
 *
 * A running adapter whose own `nimbus-<name>/Ready` condition on the policy is False (an engine object the API
 * server refused, `EngineObjectRejected`; a name another object holds; a failed build) makes the condition False
 * too, with that adapter's reason and message: the policy is not enforced as written, whatever runs.
 *
 * @param ownership - whether an existing binding owns the policy (see {@link bindingOwnership}); default owned.
 * @param conditions - the policy's `status.conditions`, where the adapters report; default none.
 */
export function enforcedCondition(
  rules: readonly NimbusRule[],
  adapters: ReadonlyMap<string, ReadonlySet<string>>,
  registry: IntentRegistry,
  generation: number | undefined,
  ownership: BindingOwnership = { state: 'owned' },
  conditions: readonly Condition[] = [],
): ConditionInput {
  if (ownership.state !== 'owned') {
    return {
      type: ENFORCED,
      status: 'False',
      reason: 'NoOwnerBinding',
      message: orphanMessage(ownership),
      observedGeneration: generation,
    };
  }
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
  // Adapters in name order, so the reason (the first failing adapter's) does not depend on Lease order.
  const failing = [...adapters.keys()]
    .sort()
    .map((name) => findCondition(conditions, adapterConditionType(name)))
    .filter((c): c is Condition => c?.status === 'False');
  if (failing[0]) {
    return {
      type: ENFORCED,
      status: 'False',
      reason: failing[0].reason,
      message: failing.map((c) => `${c.type.replace(/\/Ready$/, '')}: ${c.message}`).join('; '),
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
