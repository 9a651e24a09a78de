import type { KubernetesObject } from '@kubernetes/client-node';
import { type ClusterNimbusPolicy, type NimbusPolicy, RESOURCES } from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  type Condition,
  Controller,
  type ControllerOptions,
  type ObjectRef,
  type ResourceType,
  refOf,
  setCondition,
  updateStatus,
} from '@nimbus-ts/k8s';
import type { AdapterDirectory } from '../adapter-directory.js';
import { bindingOwnership, enforcedCondition } from '../build/enforcement.js';
import type { OperatorContext } from './context.js';

type Policy = NimbusPolicy | ClusterNimbusPolicy;

/** What the enforcement reconciler needs besides the common context. */
export interface EnforcementContext extends OperatorContext {
  readonly adapters: AdapterDirectory;
  readonly resource: ResourceType;
  /** The cached bindings, to tell whether a policy's owner exists. */
  readonly bindings: BindingLookup;
}

// The binding kinds that may own a policy of `resource`, as the adapters accept them.
function ownerKinds(resource: ResourceType): ResourceType[] {
  return resource.kind === 'NimbusPolicy'
    ? [RESOURCES.SecurityIntentBinding, RESOURCES.ClusterSecurityIntentBinding]
    : [RESOURCES.ClusterSecurityIntentBinding];
}

/**
 * A controller over (Cluster)NimbusPolicies that keeps their `Enforced` condition true to the running
 * adapters and to their owner bindings. The {@link AdapterDirectory} queues every policy when the set of
 * running adapters changes; a binding that appears or goes queues the policies it owns, since adapters
 * ignore a policy whose owner binding does not exist.
 */
export function policyEnforcementController(
  kc: ApiServerAccess,
  resource: ResourceType,
  options: ControllerOptions,
): Controller<Policy> {
  const controller = new Controller<Policy>(kc, resource, options);
  for (const binding of ownerKinds(resource)) {
    controller.watches(binding, (b) =>
      controller
        .store<Policy>(resource)
        .list()
        .filter((p) =>
          p.metadata.ownerReferences?.some(
            (ref) =>
              ref.kind === b.kind &&
              ref.name === b.metadata?.name &&
              (b.kind !== 'SecurityIntentBinding' || p.metadata.namespace === b.metadata?.namespace),
          ),
        )
        .map(refOf),
    );
  }
  return controller;
}

/** What the enforcement reconciler reads from the caches of the binding kinds. */
export interface BindingLookup {
  /** A binding of `kind` from the cache, or undefined. */
  binding(kind: string, ref: ObjectRef): KubernetesObject | undefined;
}

/** A {@link BindingLookup} over the caches of a controller made by {@link policyEnforcementController}. */
export function bindingLookup(controller: Controller<Policy>, resource: ResourceType): BindingLookup {
  const kinds = ownerKinds(resource);
  return {
    binding(kind, ref) {
      const bindingResource = kinds.find((k) => k.kind === kind);
      return bindingResource ? controller.store(bindingResource).get(ref) : undefined;
    },
  };
}

/** Sets the `Enforced` condition of one policy; writes nothing when it already holds. */
export async function reconcileEnforcement(policy: Policy, ctx: EnforcementContext): Promise<Action> {
  if (policy.metadata.deletionTimestamp) return Action.awaitChange();
  const condition = enforcedCondition(
    policy.spec.rules,
    ctx.adapters.adapters(),
    ctx.intentPool,
    policy.metadata.generation,
    bindingOwnership(policy, (kind, ref) => ctx.bindings.binding(kind, ref)),
    policy.status?.conditions as Condition[] | undefined,
  );
  await updateStatus<{ conditions?: Condition[] }>(ctx.client, ctx.resource, policy, (status) => ({
    conditions: setCondition(status?.conditions, condition, ctx.now),
  }));
  return Action.requeue(ctx.resyncMs);
}
