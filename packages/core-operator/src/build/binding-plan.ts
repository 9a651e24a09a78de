import type { V1Pod } from '@kubernetes/client-node';
import type {
  NimbusPolicy,
  SecurityIntent,
  SecurityIntentBinding,
  SecurityIntentBindingStatus,
} from '@nimbus-ts/api';
import {
  type ConditionInput,
  isControlledBy,
  removeCondition,
  semanticEqual,
  setCondition,
  setConditions,
} from '@nimbus-ts/k8s';
import { buildNimbusPolicy } from './binding.js';
import { describeCelError, resolveCelSelector } from './cel-selector.js';
import { actionsConsistent, ConditionType, intentsResolved, policyRejected, ready } from './conditions.js';
import { type ResolvedRules, resolveRules } from './rules.js';
import { STATUS_CREATED, withLastUpdated } from './status.js';

/** What the binding reconciler read from its caches: the input of {@link planBinding}. */
export interface BindingState {
  readonly binding: SecurityIntentBinding;
  /** The SecurityIntent of a name, if it exists. */
  readonly intent: (name: string) => SecurityIntent | undefined;
  /** The NimbusPolicy of the binding's name and namespace, if any (whoever owns it). */
  readonly policy: NimbusPolicy | undefined;
  /** The pods of the binding's namespace (metadata is enough). */
  readonly pods: readonly V1Pod[];
}

/** The one write a binding's NimbusPolicy needs. */
export type BindingWrite =
  | { readonly kind: 'none' }
  | { readonly kind: 'delete'; readonly uid: string | undefined }
  | { readonly kind: 'apply'; readonly desired: NimbusPolicy };

/** What {@link planBinding} decided: the write to make and what the status says if it succeeds. */
export interface BindingPlan {
  readonly write: BindingWrite;
  /** The rules and the intents behind them. */
  readonly resolved: ResolvedRules;
  /** The `SelectorResolved` condition for a binding with `spec.cel`; undefined removes it. */
  readonly selector: ConditionInput | undefined;
  /** The Ready condition when the write goes through (see {@link bindingReport} for when it does not). */
  readonly ready: ConditionInput;
  /** The policy the status names when the write goes through ('' for none). */
  readonly policyName: string;
}

/** How the write of a {@link BindingPlan} went. */
export type BindingWriteOutcome =
  | { readonly kind: 'done' }
  /** The API server refused the policy (see `policyRejected`); the error is rethrown after the status says why. */
  | { readonly kind: 'refused'; readonly error: unknown };

/** What the binding's status reports once the write is done: its Ready condition and the policy it names. */
export interface BindingReport {
  readonly ready: ConditionInput;
  readonly policyName: string;
}

/** What the binding's CEL expressions contribute: labels to select by, or why there are none. */
interface CelOutcome {
  readonly labels: Record<string, string>;
  readonly condition: ConditionInput | undefined;
  readonly usable: boolean;
}

/**
 * Evaluates the binding's CEL expressions over the pods of its namespace. An unusable result (invalid
 * expression, no pod matched, no shared labels) blocks writing the NimbusPolicy: a policy without the
 * intended selector could select every pod of the namespace.
 */
function celOutcome(sib: SecurityIntentBinding, pods: readonly V1Pod[]): CelOutcome {
  const generation = sib.metadata.generation;
  const candidates = pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({ name: p.metadata?.name ?? '', labels: p.metadata?.labels ?? {} }));
  const result = resolveCelSelector(sib.spec.cel ?? [], candidates);
  if (result === undefined) return { labels: {}, condition: undefined, usable: true };
  const selector = ConditionType.SelectorResolved;
  if (result.kind !== 'selection') {
    const reason = {
      invalid: 'InvalidCEL',
      budgetExceeded: 'CELBudgetExceeded',
      noMatch: 'CELMatchedNoPods',
      noCommonLabels: 'CELNoCommonLabels',
    }[result.kind];
    return {
      labels: {},
      usable: false,
      condition: {
        type: selector,
        status: 'False',
        reason,
        message: describeCelError(result),
        observedGeneration: generation,
      },
    };
  }
  const broader =
    result.broader.length > 0 ? `; note: these labels also select ${result.broader.join(', ')}` : '';
  return {
    labels: result.matchLabels,
    usable: true,
    condition: {
      type: selector,
      status: 'True',
      reason: 'CELResolved',
      message: `spec.cel selects ${result.selected.join(', ')} by ${JSON.stringify(result.matchLabels)}${broader}`,
      observedGeneration: generation,
    },
  };
}

/**
 * Decides what a SecurityIntentBinding's reconcile writes: its NimbusPolicy (built from the intents that
 * exist and the CEL selection), its deletion when no intent exists, or nothing — for someone else's policy of
 * the same name, which is never taken over, or an unusable CEL selector, which keeps the last good policy rather
 * than guess. Pure: the reconciler makes the write and reports with {@link bindingReport} and {@link bindingStatus}.
 */
export function planBinding(state: BindingState): BindingPlan {
  const { binding: sib, policy: live } = state;
  const generation = sib.metadata.generation;
  const ns = sib.metadata.namespace ?? '';
  const name = sib.metadata.name ?? '';
  const resolved = resolveRules(sib.spec.intents, state.intent);
  const cel = celOutcome(sib, state.pods);
  const base = { resolved, selector: cel.condition };
  if (live !== undefined && !isControlledBy(live.metadata.ownerReferences, sib)) {
    return {
      ...base,
      write: { kind: 'none' },
      policyName: '',
      ready: ready(
        false,
        'NimbusPolicyNotOwned',
        `NimbusPolicy ${ns}/${name} exists but is not controlled by this binding; delete it or rename the binding`,
        generation,
      ),
    };
  }
  if (resolved.rules.length === 0) {
    return {
      ...base,
      write: live ? { kind: 'delete', uid: live.metadata.uid } : { kind: 'none' },
      policyName: '',
      ready: ready(
        false,
        'NoSecurityIntents',
        'none of the SecurityIntents in spec.intents exists, so there is no NimbusPolicy; create one of them',
        generation,
      ),
    };
  }
  if (!cel.usable) {
    return {
      ...base,
      write: { kind: 'none' },
      policyName: live ? name : '',
      ready: ready(false, 'SelectorUnresolved', cel.condition?.message ?? 'spec.cel is unusable', generation),
    };
  }
  return {
    ...base,
    write: { kind: 'apply', desired: buildNimbusPolicy(sib, resolved.rules, cel.labels) },
    policyName: name,
    ready: ready(
      true,
      'NimbusPolicyUpToDate',
      `NimbusPolicy ${ns}/${name} has ${resolved.rules.length} rule(s)`,
      generation,
    ),
  };
}

/**
 * The Ready condition and policy name once the planned write is done: as planned, or, when the API server
 * refused the policy, False with its message and the fix, naming the policy the binding had (if any).
 *
 * @param hadPolicy - whether the binding's policy existed before the write.
 */
export function bindingReport(
  plan: BindingPlan,
  outcome: BindingWriteOutcome,
  binding: SecurityIntentBinding,
  hadPolicy: boolean,
): BindingReport {
  if (outcome.kind === 'done') return { ready: plan.ready, policyName: plan.policyName };
  const ref = `NimbusPolicy ${binding.metadata.namespace}/${binding.metadata.name}`;
  const rejected = policyRejected(outcome.error, ref, binding.metadata.generation);
  return {
    ready: rejected ?? plan.ready,
    policyName: hadPolicy ? (binding.metadata.name ?? '') : '',
  };
}

/**
 * The binding's status fields the operator owns, given the current status: Created, the bound intents and
 * policy (only while a policy exists), IntentsResolved and Ready, SelectorResolved and ActionsConsistent
 * only while they apply; `lastUpdated` moves only with another field.
 */
export function bindingStatus(
  binding: SecurityIntentBinding,
  plan: BindingPlan,
  report: BindingReport,
  status: SecurityIntentBindingStatus | undefined,
  now: () => Date,
): Partial<SecurityIntentBindingStatus> {
  const generation = binding.metadata.generation;
  let conditions = setConditions(
    status?.conditions,
    [intentsResolved(plan.resolved.missing, generation), report.ready],
    now,
  );
  conditions = plan.selector
    ? setCondition(conditions, plan.selector, now)
    : removeCondition(conditions, ConditionType.SelectorResolved);
  const actions = actionsConsistent(plan.resolved.conflicts, generation);
  conditions = actions
    ? setCondition(conditions, actions, now)
    : removeCondition(conditions, ConditionType.ActionsConsistent);
  const named = report.policyName !== '';
  return withLastUpdated<SecurityIntentBindingStatus>(
    {
      status: STATUS_CREATED,
      // Intents sharing an ID share a rule, so count the intents, as upstream does, not the rules.
      numberOfBoundIntents: named ? plan.resolved.bound.length : 0,
      boundIntents: named ? plan.resolved.bound : undefined,
      nimbusPolicy: report.policyName,
      conditions,
    },
    status,
    semanticEqual,
    now,
  );
}
