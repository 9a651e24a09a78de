import type { V1Namespace } from '@kubernetes/client-node';
import type {
  ClusterNimbusPolicy,
  ClusterSecurityIntentBinding,
  ClusterSecurityIntentBindingStatus,
  NimbusPolicy,
  SecurityIntent,
} from '@nimbus-ts/api';
import {
  type ConditionInput,
  isControlledBy,
  removeCondition,
  semanticEqual,
  setCondition,
  setConditions,
} from '@nimbus-ts/k8s';
import {
  buildClusterNimbusPolicy,
  buildFanOutPolicy,
  planFanOut,
  targetNamespaces,
  validateClusterBinding,
} from './cluster-binding.js';
import { actionsConsistent, ConditionType, intentsResolved, policyRejected, ready } from './conditions.js';
import { type ResolvedRules, resolveRules } from './rules.js';
import { STATUS_CREATED, STATUS_VALIDATION_FAIL, withLastUpdated } from './status.js';

/** What the cluster-binding reconciler read from its caches: the input of {@link planClusterBinding}. */
export interface ClusterBindingState {
  readonly binding: ClusterSecurityIntentBinding;
  /** The SecurityIntent of a name, if it exists. */
  readonly intent: (name: string) => SecurityIntent | undefined;
  /** The ClusterNimbusPolicy of the binding's name, if any (whoever owns it). */
  readonly clusterPolicy: ClusterNimbusPolicy | undefined;
  /** Every cached NimbusPolicy (the planner picks those the binding controls). */
  readonly policies: readonly NimbusPolicy[];
  readonly namespaces: readonly V1Namespace[];
}

/** One fan-out NimbusPolicy to create or update, with the cached copy when there is one. */
export interface FanOutWrite {
  readonly namespace: string;
  readonly desired: NimbusPolicy;
  readonly live: NimbusPolicy | undefined;
}

/** What {@link planClusterBinding} decided. */
export type ClusterBindingPlan =
  /** An invalid selector: no write but the status, re-checked on every reconcile; outputs are left as they are. */
  | { readonly kind: 'invalid'; readonly ready: ConditionInput }
  | {
      readonly kind: 'write';
      readonly resolved: ResolvedRules;
      /** The ClusterNimbusPolicy: apply, delete (conditioned on the uid seen) or leave alone. */
      readonly clusterPolicy:
        | { readonly kind: 'none' }
        | { readonly kind: 'delete'; readonly uid: string | undefined }
        | { readonly kind: 'apply'; readonly desired: ClusterNimbusPolicy };
      /** Fan-out policies in namespaces no longer targeted (or duplicates), to delete. */
      readonly remove: readonly NimbusPolicy[];
      /** Fan-out policies of every targeted namespace, sorted by namespace: all of them are brought up to date. */
      readonly apply: readonly FanOutWrite[];
      /** The Ready condition when nothing is refused and no policy is named. */
      readonly ready: ConditionInput;
    };

/** How the writes of a plan went. */
export interface ClusterBindingOutcome {
  /** Whether the ClusterNimbusPolicy was refused by the API server. */
  readonly clusterPolicyRefused: boolean;
  /** The namespaces whose NimbusPolicy was written (or already up to date). */
  readonly namespaces: readonly string[];
  /** The policies the API server refused (e.g. `NimbusPolicy shop/x`) with its error, in write order. */
  readonly refusals: readonly { readonly policy: string; readonly error: unknown }[];
}

/** What the binding's status reports once the writes are done. */
export interface ClusterBindingReport {
  readonly ready: ConditionInput;
  /** The ClusterNimbusPolicy the status names ('' for none). */
  readonly clusterPolicy: string;
  readonly namespaces: readonly string[];
}

/**
 * Decides a ClusterSecurityIntentBinding's writes: its ClusterNimbusPolicy (unless someone else's of that name
 * exists, which is never taken over; deleted when no intent exists) and one NimbusPolicy per target namespace,
 * every one of them in this pass, removing those of namespaces no longer targeted. An invalid selector writes
 * nothing but the status. Pure: the reconciler writes, then reports with {@link clusterBindingReport}.
 */
export function planClusterBinding(state: ClusterBindingState): ClusterBindingPlan {
  const { binding: csib, clusterPolicy: live } = state;
  const generation = csib.metadata.generation;
  const name = csib.metadata.name ?? '';
  const invalid = validateClusterBinding(csib);
  if (invalid) return { kind: 'invalid', ready: ready(false, 'InvalidSelector', invalid, generation) };
  const resolved = resolveRules(csib.spec.intents, state.intent);
  if (live !== undefined && !isControlledBy(live.metadata.ownerReferences, csib)) {
    return {
      kind: 'write',
      resolved,
      clusterPolicy: { kind: 'none' },
      // Someone else's policy of this name: the fan-out is left alone too until the name is ours.
      remove: [],
      apply: [],
      ready: ready(
        false,
        'ClusterNimbusPolicyNotOwned',
        `ClusterNimbusPolicy ${name} exists but is not controlled by this binding; delete it or rename the binding`,
        generation,
      ),
    };
  }
  const rules = resolved.rules;
  const existing = state.policies.filter((np) => isControlledBy(np.metadata.ownerReferences, csib));
  const targets = rules.length > 0 ? targetNamespaces(csib, state.namespaces) : [];
  const fanOut = planFanOut(targets, existing);
  const namespaces = [...fanOut.create, ...fanOut.keep.map((np) => np.metadata.namespace ?? '')].sort();
  return {
    kind: 'write',
    resolved,
    clusterPolicy:
      rules.length > 0
        ? { kind: 'apply', desired: buildClusterNimbusPolicy(csib, rules) }
        : live
          ? { kind: 'delete', uid: live.metadata.uid }
          : { kind: 'none' },
    remove: fanOut.remove,
    apply: namespaces.map((namespace) => ({
      namespace,
      desired: buildFanOutPolicy(csib, namespace, rules),
      live: fanOut.keep.find((np) => np.metadata.namespace === namespace),
    })),
    ready: ready(
      false,
      'NoSecurityIntents',
      'none of the SecurityIntents in spec.intents exists, so there is no ClusterNimbusPolicy; create one of them',
      generation,
    ),
  };
}

/**
 * The Ready condition, the ClusterNimbusPolicy named and the namespaces covered once the writes are done: a
 * refusal makes Ready False naming every refused policy; otherwise Ready is True once a ClusterNimbusPolicy
 * exists. A refused ClusterNimbusPolicy is still named when it existed before.
 */
export function clusterBindingReport(
  plan: Extract<ClusterBindingPlan, { kind: 'write' }>,
  outcome: ClusterBindingOutcome,
  binding: ClusterSecurityIntentBinding,
  hadClusterPolicy: boolean,
): ClusterBindingReport {
  const name = binding.metadata.name ?? '';
  const generation = binding.metadata.generation;
  const clusterPolicy =
    plan.clusterPolicy.kind === 'apply' && (!outcome.clusterPolicyRefused || hadClusterPolicy) ? name : '';
  const [first] = outcome.refusals;
  const refused = first
    ? policyRejected(first.error, outcome.refusals.map((r) => r.policy).join(', '), generation)
    : undefined;
  const readyCondition =
    refused ??
    (clusterPolicy
      ? ready(
          true,
          'PoliciesUpToDate',
          `ClusterNimbusPolicy ${name} and ${outcome.namespaces.length} NimbusPolicies have ${plan.resolved.rules.length} rule(s)`,
          generation,
        )
      : plan.ready);
  return { ready: readyCondition, clusterPolicy, namespaces: outcome.namespaces };
}

/**
 * The binding's status fields the operator owns, given the current status: ValidationFail and the reason for an
 * invalid binding; otherwise Created, what is bound and written, IntentsResolved, Ready and ActionsConsistent
 * (only while intents conflict). `lastUpdated` moves only with another field.
 */
export function clusterBindingStatus(
  binding: ClusterSecurityIntentBinding,
  plan: ClusterBindingPlan,
  report: ClusterBindingReport | undefined,
  status: ClusterSecurityIntentBindingStatus | undefined,
  now: () => Date,
): Partial<ClusterSecurityIntentBindingStatus> {
  const generation = binding.metadata.generation;
  let wanted: Partial<ClusterSecurityIntentBindingStatus>;
  if (plan.kind === 'invalid' || !report) {
    wanted = {
      status: STATUS_VALIDATION_FAIL,
      conditions: setCondition(status?.conditions, report?.ready ?? plan.ready, now),
    };
  } else {
    let conditions = setConditions(
      status?.conditions,
      [intentsResolved(plan.resolved.missing, generation), report.ready],
      now,
    );
    const actions = actionsConsistent(plan.resolved.conflicts, generation);
    conditions = actions
      ? setCondition(conditions, actions, now)
      : removeCondition(conditions, ConditionType.ActionsConsistent);
    const named = report.clusterPolicy !== '';
    wanted = {
      status: STATUS_CREATED,
      // Intents sharing an ID share a rule, so count the intents, as upstream does, not the rules.
      numberOfBoundIntents: named ? plan.resolved.bound.length : 0,
      boundIntents: named ? plan.resolved.bound : undefined,
      clusterNimbusPolicy: report.clusterPolicy,
      numberOfNimbusPolicies: report.namespaces.length,
      nimbusPolicyNamespaces: report.namespaces.length > 0 ? [...report.namespaces] : undefined,
      conditions,
    };
  }
  return withLastUpdated<ClusterSecurityIntentBindingStatus>(wanted, status, semanticEqual, now);
}
