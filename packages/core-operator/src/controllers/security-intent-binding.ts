import type { V1Pod } from '@kubernetes/client-node';
import {
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
  type SecurityIntentBindingStatus,
} from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  type ConditionInput,
  Controller,
  type ControllerOptions,
  isControlledBy,
  isNamespaceTerminating,
  PODS,
  refOf,
  removeCondition,
  type Store,
  semanticEqual,
  setCondition,
  setConditions,
  updateStatus,
} from '@nimbus-ts/k8s';
import { buildNimbusPolicy } from '../build/binding.js';
import { describeCelError, resolveCelSelector } from '../build/cel-selector.js';
import {
  actionsConsistent,
  ConditionType,
  intentsResolved,
  policyRejected,
  ready,
} from '../build/conditions.js';
import { resolveRules } from '../build/rules.js';
import { STATUS_CREATED, withLastUpdated } from '../build/status.js';
import { announceReady, announceWrite } from './announce.js';
import type { OperatorContext } from './context.js';
import { markCreated } from './mark-created.js';

/** The caches the binding reconciler reads. */
export interface BindingStores {
  readonly intents: Store<SecurityIntent>;
  readonly policies: Store<NimbusPolicy>;
  readonly pods: Store<V1Pod>;
}

/** What the binding's CEL expressions contribute: labels to select by, or why there are none. */
type CelOutcome = { labels: Record<string, string>; condition: ConditionInput | undefined; usable: boolean };

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
 * Makes the binding's NimbusPolicy match its intents (or removes it when none exists), marks the policy
 * Created, and reports in the binding's status.
 */
export async function reconcileBinding(
  sib: SecurityIntentBinding,
  ctx: OperatorContext & { stores: BindingStores },
): Promise<Action> {
  const { client, stores, now } = ctx;
  const ref = refOf(sib);
  // Being deleted: its NimbusPolicy goes by garbage collection; writing now would only race the deletion.
  if (sib.metadata.deletionTimestamp) return Action.awaitChange();
  const generation = sib.metadata.generation;
  const resolved = resolveRules(sib.spec.intents, (name) => stores.intents.get({ name }));
  const live = stores.policies.get(ref);
  const foreign = live !== undefined && !isControlledBy(live.metadata.ownerReferences, sib);
  const cel = celOutcome(sib, stores.pods.list(ref.namespace));

  let policyName = '';
  // A policy write the API server refused: reported on the binding, then retried with backoff.
  let refusal: unknown;
  let readyCondition = ready(
    false,
    'NoSecurityIntents',
    'none of the SecurityIntents in spec.intents exists, so there is no NimbusPolicy; create one of them',
    generation,
  );
  if (foreign) {
    // Someone else's NimbusPolicy of the same name: never take it over.
    readyCondition = ready(
      false,
      'NimbusPolicyNotOwned',
      `NimbusPolicy ${ref.namespace}/${ref.name} exists but is not controlled by this binding; delete it or rename the binding`,
      generation,
    );
  } else if (resolved.rules.length === 0) {
    if (live && (await client.delete(RESOURCES.NimbusPolicy, ref, live.metadata.uid))) {
      await announceWrite(ctx, sib, 'deleted', `NimbusPolicy ${ref.namespace}/${ref.name}`);
    }
  } else if (!cel.usable) {
    // Keep the last good policy (if any) rather than guess a selector; the condition says what to fix.
    policyName = live ? ref.name : '';
    readyCondition = ready(
      false,
      'SelectorUnresolved',
      cel.condition?.message ?? 'spec.cel is unusable',
      generation,
    );
  } else {
    const desired = buildNimbusPolicy(sib, resolved.rules, cel.labels);
    const policyRef = `NimbusPolicy ${ref.namespace}/${ref.name}`;
    const written = await client
      .createOrUpdate(RESOURCES.NimbusPolicy, desired, live)
      .catch((err: unknown) => {
        // The namespace is going away with the binding in it: nothing to build, nothing to retry.
        if (isNamespaceTerminating(err)) return undefined;
        const rejected = policyRejected(err, policyRef, generation);
        if (!rejected) throw err;
        refusal = err;
        readyCondition = rejected;
        return null;
      });
    if (written === undefined) return Action.awaitChange();
    if (written === null) {
      // Refused: the binding keeps naming the policy it had, if any; the Ready condition says why and what to do.
      policyName = live ? ref.name : '';
    } else {
      const { object, result } = written;
      await announceWrite(ctx, sib, result, policyRef);
      await markCreated(
        client,
        RESOURCES.NimbusPolicy,
        object,
        now,
        `SecurityIntentBinding ${ref.namespace}/${ref.name}`,
      );
      policyName = ref.name;
      readyCondition = ready(
        true,
        'NimbusPolicyUpToDate',
        `${policyRef} has ${resolved.rules.length} rule(s)`,
        generation,
      );
    }
  }

  await announceReady(ctx, sib, sib.status?.conditions, readyCondition);
  await updateStatus<SecurityIntentBindingStatus>(client, RESOURCES.SecurityIntentBinding, sib, (status) => {
    let conditions = setConditions(
      status?.conditions,
      [intentsResolved(resolved.missing, generation), readyCondition],
      now,
    );
    conditions = cel.condition
      ? setCondition(conditions, cel.condition, now)
      : removeCondition(conditions, ConditionType.SelectorResolved);
    const actions = actionsConsistent(resolved.conflicts, generation);
    conditions = actions
      ? setCondition(conditions, actions, now)
      : removeCondition(conditions, ConditionType.ActionsConsistent);
    return withLastUpdated<SecurityIntentBindingStatus>(
      {
        status: STATUS_CREATED,
        // Intents sharing an ID share a rule, so count the intents, as upstream does, not the rules.
        numberOfBoundIntents: policyName ? resolved.bound.length : 0,
        boundIntents: policyName ? resolved.bound : undefined,
        nimbusPolicy: policyName,
        conditions,
      },
      status,
      semanticEqual,
      now,
    );
  });
  // Rethrown once the binding says why, so the write is retried with the controller's per-key backoff.
  if (refusal !== undefined) throw refusal;
  return Action.requeue(ctx.resyncMs);
}

/**
 * The SecurityIntentBinding controller: reconciles a binding when it changes, when a NimbusPolicy it
 * controls changes or disappears (drift), when a SecurityIntent it names changes, and, for bindings with
 * CEL selectors, when a pod of its namespace changes.
 */
export function securityIntentBindingController(
  kc: ApiServerAccess,
  options: ControllerOptions,
): Controller<SecurityIntentBinding> {
  const controller = new Controller<SecurityIntentBinding>(kc, RESOURCES.SecurityIntentBinding, options).owns(
    RESOURCES.NimbusPolicy,
  );
  const bindings = controller.store<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding);
  return controller
    .watches<SecurityIntent>(RESOURCES.SecurityIntent, (si) =>
      bindings
        .list()
        .filter((sib) => sib.spec.intents.some((i) => i.name === si.metadata.name))
        .map(refOf),
    )
    .watches<V1Pod>(
      PODS,
      (pod) =>
        bindings
          .list(pod.metadata?.namespace)
          .filter((sib) => (sib.spec.cel?.length ?? 0) > 0)
          .map(refOf),
      // CEL reads only labels: caching pods' metadata keeps memory small in clusters with many pods.
      { metadataOnly: true },
    );
}
