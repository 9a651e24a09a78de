import type { KubernetesObject } from '@kubernetes/client-node';
import { bindingOwner, type ClusterNimbusPolicy, type NimbusPolicy, RESOURCES } from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  applyOwnStatus,
  type Condition,
  Controller,
  type ControllerOptions,
  type ObjectRef,
  type ResourceType,
  refOf,
} from '@nimbus-ts/k8s';
import type { AdapterDirectory } from '../adapter-directory.js';
import { bindingOwnership, enforcedCondition } from '../build/enforcement.js';
import { type CreatedPolicyStatus, operatorPolicyStatus } from '../build/status.js';
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
 * A controller over (Cluster)NimbusPolicies that writes the core operator's part of their status: upstream's
 * `status: Created`, `lastUpdated` and the `Built` condition on a policy a binding owns, and on every policy the
 * `Enforced` condition, true to the running adapters and to the owner bindings — one server-side apply per
 * change ({@link operatorPolicyStatus}). The binding controllers only write the policies themselves. The {@link AdapterDirectory} queues every policy when the set of
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

/** `Kind [namespace/]name` of the binding that owns a policy by its controller reference, if any. */
function builtFrom(policy: Policy): string | undefined {
  const owner = bindingOwner(policy);
  if (!owner) return undefined;
  const namespace = owner.kind === 'SecurityIntentBinding' ? `${policy.metadata.namespace}/` : '';
  return `${owner.kind} ${namespace}${owner.name}`;
}

/**
 * Applies the operator's part of one policy's status (Created, Built, Enforced) in one write; writes nothing
 * when it already holds.
 */
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
  await applyOwnStatus<CreatedPolicyStatus>(
    ctx.client,
    ctx.resource,
    policy,
    (status) =>
      operatorPolicyStatus(
        status,
        { builtFrom: builtFrom(policy), generation: policy.metadata.generation, enforced: condition },
        ctx.now,
      ),
    ctx.ownWrites,
  );
  return Action.requeue(ctx.resyncMs);
}
