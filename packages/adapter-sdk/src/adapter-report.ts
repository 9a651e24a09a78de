import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { ConditionInput, ResourceType } from '@nimbus-ts/k8s';
import type { SupportedRule } from './declaration.js';
import { type DesiredChild, statusEntry } from './desired.js';
import { ENGINE_OBJECT_REJECTED, engineObjectRejectedMessage, nameConflictMessage } from './ownership.js';

type Policy = NimbusPolicy | ClusterNimbusPolicy;

/** How an adapter's writes for one policy went: the input of {@link planAdapterReport}. */
export interface AdapterWriteOutcome {
  /** Status entries of the objects that exist as built (written, unchanged, or refused updates of existing ones). */
  readonly applied: readonly string[];
  /** Desired objects whose name something else holds, with their entries. */
  readonly conflicts: readonly {
    readonly entry: string;
    readonly holder: string;
    readonly otherAdapter: boolean;
  }[];
  /** Objects the API server refused, with its message. */
  readonly rejected: readonly { readonly entry: string; readonly message: string }[];
  /** Entries of the stale objects the adapter deleted (or found gone). */
  readonly withdrawn: readonly string[];
}

/** What the adapter reports on the policy: the input of `mergeAdapterReport`. */
export interface AdapterReportPlan {
  /** Its `nimbus-<name>/Ready` condition; undefined (removed) when it supports none of the policy's rules. */
  readonly condition: ConditionInput | undefined;
  readonly entries: readonly string[];
  readonly withdrawn: readonly string[];
  /** The policy's rule IDs (as the policy spells them) the adapter enforces. */
  readonly enforced: readonly string[];
}

/**
 * How an engine object is listed in the policy's status: `<Kind>/<name>`, with its namespace when that is not the
 * policy's (a ClusterNimbusPolicy's namespaced objects).
 */
export function childEntry(policy: Policy, child: DesiredChild): string {
  return statusEntry(
    child.resource.statusKind ?? child.resource.kind,
    child.object.metadata?.name ?? '',
    child.object.metadata?.namespace !== policy.metadata.namespace
      ? child.object.metadata?.namespace
      : undefined,
  );
}

/**
 * What an adapter reports once its writes for a policy are done: Ready False `EngineObjectRejected` when the API
 * server refused an object (and then no rule claimed as enforced: which rule the object served is the builder's
 * secret), False `NameConflict` when a name it wants is someone else's, True `Applied` otherwise; and the
 * policy's rules it enforces, however they are spelt (aliases map to canonical IDs through `registry`). Pure.
 */
export function planAdapterReport(
  adapterName: string,
  conditionType: string,
  policy: Policy,
  rules: readonly SupportedRule[],
  outcome: AdapterWriteOutcome,
  registry: Pick<IntentRegistry, 'canonicalId'>,
): AdapterReportPlan {
  const generation = policy.metadata.generation;
  const condition: ConditionInput | undefined =
    rules.length === 0
      ? undefined
      : outcome.rejected.length > 0
        ? {
            type: conditionType,
            status: 'False',
            reason: ENGINE_OBJECT_REJECTED,
            message: engineObjectRejectedMessage(adapterName, outcome.rejected),
            observedGeneration: generation,
          }
        : outcome.conflicts.length > 0
          ? {
              type: conditionType,
              status: 'False',
              reason: 'NameConflict',
              message: nameConflictMessage(adapterName, outcome.conflicts),
              observedGeneration: generation,
            }
          : {
              type: conditionType,
              status: 'True',
              reason: 'Applied',
              message: `${outcome.applied.length} engine policies enforce ${rules.map((r) => r.rule.id).join(', ')}`,
              observedGeneration: generation,
            };
  const builtIds = new Set(rules.map((r) => r.id));
  const enforced =
    outcome.rejected.length > 0
      ? []
      : policy.spec.rules
          .map((r) => r.id)
          .filter((id, i, all) => all.indexOf(id) === i && builtIds.has(registry.canonicalId(id) ?? id));
  return { condition, entries: outcome.applied, withdrawn: outcome.withdrawn, enforced };
}

/**
 * The adapter's Ready condition when its builder threw: deterministic for this policy and these inputs, so it is
 * reported and the adapter waits for a change rather than retrying.
 */
export function buildFailedCondition(conditionType: string, policy: Policy, message: string): ConditionInput {
  return {
    type: conditionType,
    status: 'False',
    reason: 'BuildFailed',
    message,
    observedGeneration: policy.metadata.generation,
  };
}

/**
 * Entries of the policy's `adapterPolicies` summary that name an object of one of the adapter's kinds which
 * no adapter records under `policiesByAdapter` and which does not exist: left behind when two adapters rewrote
 * the summary at once (each applies the whole list, ADR 0013) while one of them withdrew its entries and its
 * record with them. The adapter removes them like its own withdrawn entries. An entry of a kind whose objects
 * it cannot look up (a namespaced kind on a cluster-scoped policy) is never counted as stray. Pure.
 *
 * @param exists - whether an object of `kind` and `name` exists (a cache read), or undefined when unknown.
 */
export function strayEntries(
  policy: Policy,
  kinds: readonly ResourceType[],
  exists: (kind: ResourceType, name: string) => boolean | undefined,
): string[] {
  const recorded = new Set((policy.status?.policiesByAdapter ?? []).flatMap((r) => r.policies ?? []));
  return (policy.status?.adapterPolicies ?? []).filter((entry) => {
    if (recorded.has(entry)) return false;
    const slash = entry.indexOf('/');
    const kind = kinds.find((k) => (k.statusKind ?? k.kind) === entry.slice(0, slash));
    return kind !== undefined && exists(kind, entry.slice(slash + 1)) === false;
  });
}
