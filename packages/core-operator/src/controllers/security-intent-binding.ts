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
  applyOwnStatus,
  Controller,
  type ControllerOptions,
  isNamespaceTerminating,
  PODS,
  refOf,
  type Store,
  wholeStatusPlan,
} from '@nimbus-ts/k8s';
import {
  type BindingWriteOutcome,
  bindingReport,
  bindingStatus,
  planBinding,
} from '../build/binding-plan.js';
import { policyRejected } from '../build/conditions.js';
import { announceReady, announceWrite } from './announce.js';
import type { OperatorContext } from './context.js';

/** The caches the binding reconciler reads. */
export interface BindingStores {
  readonly intents: Store<SecurityIntent>;
  readonly policies: Store<NimbusPolicy>;
  readonly pods: Store<V1Pod>;
}

/**
 * Makes the binding's NimbusPolicy match its intents (or removes it when none exists) and reports in the
 * binding's status; the policy's own status (Created, Built, Enforced) is the enforcement controller's, one write
 * per change. It only sequences: cache reads, {@link planBinding}, the
 * write it plans, {@link bindingReport} and the status write.
 */
export async function reconcileBinding(
  sib: SecurityIntentBinding,
  ctx: OperatorContext & { stores: BindingStores },
): Promise<Action> {
  const { client, stores, now } = ctx;
  const ref = refOf(sib);
  // Being deleted: its NimbusPolicy goes by garbage collection; writing now would only race the deletion.
  if (sib.metadata.deletionTimestamp) return Action.awaitChange();
  const live = stores.policies.get(ref);
  const plan = planBinding({
    binding: sib,
    intent: (name) => stores.intents.get({ name }),
    policy: live,
    pods: stores.pods.list(ref.namespace),
  });
  const policyRef = `NimbusPolicy ${ref.namespace}/${ref.name}`;
  let outcome: BindingWriteOutcome = { kind: 'done' };
  if (plan.write.kind === 'delete') {
    if (await client.delete(RESOURCES.NimbusPolicy, ref, plan.write.uid)) {
      await announceWrite(ctx, sib, 'deleted', policyRef);
    }
  } else if (plan.write.kind === 'apply') {
    const written = await client
      .createOrUpdate(RESOURCES.NimbusPolicy, plan.write.desired, live)
      .catch((error: unknown) => {
        // The namespace is going away with the binding in it: nothing to build, nothing to retry.
        if (isNamespaceTerminating(error)) return 'terminating' as const;
        if (!policyRejected(error, policyRef, sib.metadata.generation)) throw error;
        return { refused: error };
      });
    if (written === 'terminating') return Action.awaitChange();
    if ('refused' in written) {
      outcome = { kind: 'refused', error: written.refused };
    } else {
      await announceWrite(ctx, sib, written.result, policyRef);
    }
  }
  const report = bindingReport(plan, outcome, sib, live !== undefined);
  await announceReady(ctx, sib, sib.status?.conditions, report.ready);
  await applyOwnStatus<SecurityIntentBindingStatus>(
    client,
    RESOURCES.SecurityIntentBinding,
    sib,
    (status) => wholeStatusPlan(status, bindingStatus(sib, plan, report, status, now)),
    ctx.ownWrites,
  );
  // Rethrown once the binding says why, so the write is retried with the controller's per-key backoff.
  if (outcome.kind === 'refused') throw outcome.error;
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
