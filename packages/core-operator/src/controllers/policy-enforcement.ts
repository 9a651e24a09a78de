import {
  Action,
  type ApiServerAccess,
  type ClusterNimbusPolicy,
  type Condition,
  Controller,
  type ControllerOptions,
  type NimbusPolicy,
  type ResourceType,
  setCondition,
  updateStatus,
} from '@nimbus-ts/k8s';
import type { AdapterDirectory } from '../adapter-directory.js';
import { enforcedCondition } from '../build/enforcement.js';
import type { OperatorContext } from './context.js';

type Policy = NimbusPolicy | ClusterNimbusPolicy;

/** What the enforcement reconciler needs besides the common context. */
export interface EnforcementContext extends OperatorContext {
  readonly adapters: AdapterDirectory;
  readonly resource: ResourceType;
}

/**
 * A controller over (Cluster)NimbusPolicies that keeps their `Enforced` condition true to the running
 * adapters. It has no watches of its own beyond the policies: the {@link AdapterDirectory} queues every
 * policy when the set of running adapters changes.
 */
export function policyEnforcementController(
  kc: ApiServerAccess,
  resource: ResourceType,
  options: ControllerOptions,
): Controller<Policy> {
  return new Controller<Policy>(kc, resource, options);
}

/** Sets the `Enforced` condition of one policy; writes nothing when it already holds. */
export async function reconcileEnforcement(policy: Policy, ctx: EnforcementContext): Promise<Action> {
  if (policy.metadata.deletionTimestamp) return Action.awaitChange();
  const condition = enforcedCondition(
    policy.spec.rules,
    ctx.adapters.adapters(),
    ctx.intentPool,
    policy.metadata.generation,
  );
  await updateStatus<{ conditions?: Condition[] }>(ctx.client, ctx.resource, policy, (status) => ({
    conditions: setCondition(status?.conditions, condition, ctx.now),
  }));
  return Action.requeue(ctx.resyncMs);
}
