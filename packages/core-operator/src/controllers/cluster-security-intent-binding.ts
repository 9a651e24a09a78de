import type { V1Namespace } from '@kubernetes/client-node';
import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  type ClusterSecurityIntentBindingStatus,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
} from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  applyOwnStatus,
  Controller,
  type ControllerOptions,
  isNamespaceTerminating,
  NAMESPACES,
  refOf,
  type Store,
  wholeStatusPlan,
} from '@nimbus-ts/k8s';
import { namespaceAffectsBinding } from '../build/cluster-binding.js';
import {
  type ClusterBindingOutcome,
  type ClusterBindingReport,
  clusterBindingReport,
  clusterBindingStatus,
  planClusterBinding,
} from '../build/cluster-binding-plan.js';
import { policyRejected } from '../build/conditions.js';
import { announceReady, announceWrite } from './announce.js';
import type { OperatorContext } from './context.js';

/** The caches the cluster-binding reconciler reads. */
export interface ClusterBindingStores {
  readonly intents: Store<SecurityIntent>;
  readonly clusterPolicies: Store<ClusterNimbusPolicy>;
  readonly policies: Store<NimbusPolicy>;
  readonly namespaces: Store<V1Namespace>;
}

type Ctx = OperatorContext & { stores: ClusterBindingStores };

/**
 * Reconciles a ClusterSecurityIntentBinding into its ClusterNimbusPolicy and one NimbusPolicy per target
 * namespace. An invalid selector is reported as `ValidationFail` with a message, re-checked on every
 * reconcile (upstream made it permanent), and leaves existing outputs untouched until it is fixed. It only
 * sequences: cache reads, {@link planClusterBinding}, the writes it plans, {@link clusterBindingReport} and
 * the status write.
 */
export async function reconcileClusterBinding(csib: ClusterSecurityIntentBinding, ctx: Ctx): Promise<Action> {
  const { client, stores, now } = ctx;
  // Being deleted: its policies go by garbage collection; writing now would only race the deletion.
  if (csib.metadata.deletionTimestamp) return Action.awaitChange();
  const generation = csib.metadata.generation;
  const name = csib.metadata.name ?? '';
  const live = stores.clusterPolicies.get({ name });
  const plan = planClusterBinding({
    binding: csib,
    intent: (n) => stores.intents.get({ name: n }),
    clusterPolicy: live,
    policies: stores.policies.list(),
    namespaces: stores.namespaces.list(),
  });
  const writeStatus = (report: ClusterBindingReport | undefined) =>
    applyOwnStatus<ClusterSecurityIntentBindingStatus>(
      client,
      RESOURCES.ClusterSecurityIntentBinding,
      csib,
      (s) => wholeStatusPlan(s, clusterBindingStatus(csib, plan, report, s, now)),
      ctx.ownWrites,
    );
  if (plan.kind === 'invalid') {
    await announceReady(ctx, csib, csib.status?.conditions, plan.ready);
    await writeStatus(undefined);
    return Action.requeue(ctx.resyncMs);
  }

  // Policy writes the API server refused: reported on the binding, then retried with backoff.
  const refusals: { policy: string; error: unknown }[] = [];
  const cluster = plan.clusterPolicy;
  const clusterRef = `ClusterNimbusPolicy ${name}`;
  let clusterPolicyRefused = false;
  if (cluster.kind === 'delete') {
    if (await client.delete(RESOURCES.ClusterNimbusPolicy, { name }, cluster.uid)) {
      await announceWrite(ctx, csib, 'deleted', clusterRef);
    }
  } else if (cluster.kind === 'apply') {
    const written = await client
      .createOrUpdate(RESOURCES.ClusterNimbusPolicy, cluster.desired, live)
      .catch((error: unknown) => {
        if (!policyRejected(error, clusterRef, generation)) throw error;
        refusals.push({ policy: clusterRef, error });
        return undefined;
      });
    if (written) {
      await announceWrite(ctx, csib, written.result, clusterRef);
    } else clusterPolicyRefused = true;
  }
  for (const np of plan.remove) await client.delete(RESOURCES.NimbusPolicy, refOf(np), np.metadata.uid);
  // Unlike upstream, which returned after the first changed policy, every namespace is brought up to date.
  const namespaces: string[] = [];
  for (const { namespace, desired, live: current } of plan.apply) {
    const policy = `NimbusPolicy ${namespace}/${desired.metadata.name}`;
    const result = await client
      .createOrUpdate(RESOURCES.NimbusPolicy, desired, current)
      .catch((error: unknown) => {
        // A namespace that started terminating after the cache saw it: skip it, its event re-queues us.
        if (isNamespaceTerminating(error)) return undefined;
        if (!policyRejected(error, policy, undefined)) throw error;
        refusals.push({ policy, error });
        return undefined;
      });
    if (!result) continue;
    namespaces.push(namespace);
  }
  const outcome: ClusterBindingOutcome = { clusterPolicyRefused, namespaces, refusals };
  const report = clusterBindingReport(plan, outcome, csib, live !== undefined);
  await announceReady(ctx, csib, csib.status?.conditions, report.ready);
  await writeStatus(report);
  // Rethrown once the binding says why, so the writes are retried with the controller's per-key backoff.
  if (refusals[0]) throw refusals[0].error;
  return Action.requeue(ctx.resyncMs);
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
