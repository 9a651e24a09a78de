import type { V1Namespace } from '@kubernetes/client-node';
import type {
  ClusterNimbusPolicy,
  ClusterSecurityIntentBinding,
  ClusterSecurityIntentBindingStatus,
  NimbusPolicy,
  NimbusRule,
  SecurityIntent,
} from '@nimbus-ts/k8s';
import {
  Action,
  type ApiServerAccess,
  type Condition,
  type ConditionInput,
  Controller,
  type ControllerOptions,
  isControlledBy,
  isNamespaceTerminating,
  NAMESPACES,
  type KubeClient,
  RESOURCES,
  refOf,
  removeCondition,
  type Store,
  semanticEqual,
  setCondition,
  setConditions,
  updateStatus,
} from '@nimbus-ts/k8s';
import {
  buildClusterNimbusPolicy,
  buildFanOutPolicy,
  namespaceAffectsBinding,
  planFanOut,
  targetNamespaces,
  validateClusterBinding,
} from '../build/cluster-binding.js';
import {
  actionsConsistent,
  ConditionType,
  intentsResolved,
  policyRejected,
  ready,
} from '../build/conditions.js';
import { resolveRules } from '../build/rules.js';
import { STATUS_CREATED, STATUS_VALIDATION_FAIL, withLastUpdated } from '../build/status.js';
import { announceReady, announceWrite } from './announce.js';
import type { OperatorContext } from './context.js';
import { markCreated } from './mark-created.js';

/** The caches the cluster-binding reconciler reads. */
export interface ClusterBindingStores {
  readonly intents: Store<SecurityIntent>;
  readonly clusterPolicies: Store<ClusterNimbusPolicy>;
  readonly policies: Store<NimbusPolicy>;
  readonly namespaces: Store<V1Namespace>;
}

type Ctx = OperatorContext & { stores: ClusterBindingStores };

/** A policy write the API server refused: the policy (e.g. `NimbusPolicy shop/x`) and the error. */
interface Refusal {
  readonly policy: string;
  readonly error: unknown;
}
type StatusFields = Partial<ClusterSecurityIntentBindingStatus>;

/**
 * Writes the namespaced NimbusPolicies of a binding: every targeted namespace, all of them in one pass. A policy
 * the API server refuses is collected in `refusals` and the others are still written.
 */
async function fanOut(
  client: KubeClient,
  csib: ClusterSecurityIntentBinding,
  rules: NimbusRule[],
  ctx: Ctx,
  refusals: Refusal[],
) {
  const existing = ctx.stores.policies
    .list()
    .filter((np) => isControlledBy(np.metadata.ownerReferences, csib));
  const targets = rules.length > 0 ? targetNamespaces(csib, ctx.stores.namespaces.list()) : [];
  const plan = planFanOut(targets, existing);
  for (const np of plan.remove) await client.delete(RESOURCES.NimbusPolicy, refOf(np), np.metadata.uid);
  const namespaces: string[] = [];
  const desiredNamespaces = [...plan.create, ...plan.keep.map((np) => np.metadata.namespace ?? '')].sort();
  // Unlike upstream, which returned after the first changed policy, every namespace is brought up to date.
  for (const namespace of desiredNamespaces) {
    const desired = buildFanOutPolicy(csib, namespace, rules);
    const live = plan.keep.find((np) => np.metadata.namespace === namespace);
    const policy = `NimbusPolicy ${namespace}/${desired.metadata.name}`;
    const result = await client
      .createOrUpdate(RESOURCES.NimbusPolicy, desired, live)
      .catch((err: unknown) => {
        // A namespace that started terminating after the cache saw it: skip it, its event re-queues us.
        if (isNamespaceTerminating(err)) return undefined;
        if (!policyRejected(err, policy, undefined)) throw err;
        refusals.push({ policy, error: err });
        return undefined;
      });
    if (!result) continue;
    const { object } = result;
    await markCreated(
      client,
      RESOURCES.NimbusPolicy,
      object,
      ctx.now,
      `ClusterSecurityIntentBinding ${csib.metadata.name}`,
    );
    namespaces.push(namespace);
  }
  return namespaces;
}

/**
 * Reconciles a ClusterSecurityIntentBinding into its ClusterNimbusPolicy and one NimbusPolicy per target
 * namespace. An invalid selector is reported as `ValidationFail` with a message, re-checked on every
 * reconcile (upstream made it permanent), and leaves existing outputs untouched until it is fixed.
 */
export async function reconcileClusterBinding(csib: ClusterSecurityIntentBinding, ctx: Ctx): Promise<Action> {
  const { client, stores, now } = ctx;
  // Being deleted: its policies go by garbage collection; writing now would only race the deletion.
  if (csib.metadata.deletionTimestamp) return Action.awaitChange();
  const generation = csib.metadata.generation;
  const name = csib.metadata.name ?? '';
  const setStatus = (compute: (s: ClusterSecurityIntentBindingStatus | undefined) => StatusFields) =>
    updateStatus<ClusterSecurityIntentBindingStatus>(
      client,
      RESOURCES.ClusterSecurityIntentBinding,
      csib,
      (s) => withLastUpdated<ClusterSecurityIntentBindingStatus>(compute(s), s, semanticEqual, now),
    );

  const invalid = validateClusterBinding(csib);
  if (invalid) {
    await announceReady(
      ctx,
      csib,
      csib.status?.conditions,
      ready(false, 'InvalidSelector', invalid, generation),
    );
    await setStatus((s) => ({
      status: STATUS_VALIDATION_FAIL,
      conditions: setCondition(s?.conditions, ready(false, 'InvalidSelector', invalid, generation), now),
    }));
    return Action.requeue(ctx.resyncMs);
  }

  const resolved = resolveRules(csib.spec.intents, (n) => stores.intents.get({ name: n }));
  const live = stores.clusterPolicies.get({ name });
  const foreign = live !== undefined && !isControlledBy(live.metadata.ownerReferences, csib);
  let readyCondition = ready(
    false,
    'NoSecurityIntents',
    'none of the SecurityIntents in spec.intents exists, so there is no ClusterNimbusPolicy; create one of them',
    generation,
  );
  let clusterPolicy = '';
  // Policy writes the API server refused: reported on the binding, then retried with backoff.
  const refusals: Refusal[] = [];
  if (foreign) {
    readyCondition = ready(
      false,
      'ClusterNimbusPolicyNotOwned',
      `ClusterNimbusPolicy ${name} exists but is not controlled by this binding; delete it or rename the binding`,
      generation,
    );
  } else if (resolved.rules.length === 0) {
    if (live && (await client.delete(RESOURCES.ClusterNimbusPolicy, { name }, live.metadata.uid))) {
      await announceWrite(ctx, csib, 'deleted', `ClusterNimbusPolicy ${name}`);
    }
  } else {
    const desired = buildClusterNimbusPolicy(csib, resolved.rules);
    const policy = `ClusterNimbusPolicy ${name}`;
    const written = await client
      .createOrUpdate(RESOURCES.ClusterNimbusPolicy, desired, live)
      .catch((err: unknown) => {
        if (!policyRejected(err, policy, generation)) throw err;
        refusals.push({ policy, error: err });
        return undefined;
      });
    if (written) {
      await announceWrite(ctx, csib, written.result, policy);
      await markCreated(
        client,
        RESOURCES.ClusterNimbusPolicy,
        written.object,
        now,
        `ClusterSecurityIntentBinding ${name}`,
      );
    }
    // Refused: the binding keeps naming the policy it had, if any.
    clusterPolicy = written || live ? name : '';
  }
  const namespaces = foreign ? [] : await fanOut(client, csib, resolved.rules, ctx, refusals);
  const [firstRefusal] = refusals;
  if (firstRefusal) {
    readyCondition =
      policyRejected(firstRefusal.error, refusals.map((r) => r.policy).join(', '), generation) ??
      readyCondition;
  } else if (clusterPolicy) {
    readyCondition = ready(
      true,
      'PoliciesUpToDate',
      `ClusterNimbusPolicy ${name} and ${namespaces.length} NimbusPolicies have ${resolved.rules.length} rule(s)`,
      generation,
    );
  }
  await announceReady(ctx, csib, csib.status?.conditions, readyCondition);
  await setStatus((s) => ({
    status: STATUS_CREATED,
    // Intents sharing an ID share a rule, so count the intents, as upstream does, not the rules.
    numberOfBoundIntents: clusterPolicy ? resolved.bound.length : 0,
    boundIntents: clusterPolicy ? resolved.bound : undefined,
    clusterNimbusPolicy: clusterPolicy,
    numberOfNimbusPolicies: namespaces.length,
    nimbusPolicyNamespaces: namespaces.length > 0 ? namespaces : undefined,
    conditions: withActionsConsistent(
      setConditions(s?.conditions, [intentsResolved(resolved.missing, generation), readyCondition], now),
      actionsConsistent(resolved.conflicts, generation),
      now,
    ),
  }));
  // Rethrown once the binding says why, so the writes are retried with the controller's per-key backoff.
  if (firstRefusal) throw firstRefusal.error;
  return Action.requeue(ctx.resyncMs);
}

// The ActionsConsistent condition is present only while intents conflict.
function withActionsConsistent(
  conditions: Condition[],
  actions: ConditionInput | undefined,
  now: () => Date,
): Condition[] {
  return actions
    ? setCondition(conditions, actions, now)
    : removeCondition(conditions, ConditionType.ActionsConsistent);
}

/**
 * The ClusterSecurityIntentBinding controller: reconciles a binding when it changes, when its
 * ClusterNimbusPolicy or any of its NimbusPolicies changes or disappears, when an intent it names changes,
 * and when a namespace it may target appears, terminates or disappears.
 */
export function clusterSecurityIntentBindingController(
  kc: ApiServerAccess,
  options: ControllerOptions,
): Controller<ClusterSecurityIntentBinding> {
  const controller = new Controller<ClusterSecurityIntentBinding>(
    kc,
    RESOURCES.ClusterSecurityIntentBinding,
    options,
  )
    .owns(RESOURCES.ClusterNimbusPolicy)
    .owns(RESOURCES.NimbusPolicy);
  const bindings = controller.store<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding);
  return controller
    .watches<SecurityIntent>(RESOURCES.SecurityIntent, (si) =>
      bindings
        .list()
        .filter((b) => b.spec.intents.some((i) => i.name === si.metadata.name))
        .map(refOf),
    )
    .watches<V1Namespace>(NAMESPACES, (ns) =>
      bindings
        .list()
        .filter((b) => namespaceAffectsBinding(b, ns.metadata?.name ?? ''))
        .map(refOf),
    );
}
