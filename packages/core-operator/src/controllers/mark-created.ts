import type { KubernetesObject } from '@kubernetes/client-node';
import { type KubeClient, type ResourceType, updateStatus, type WriteResult } from '@nimbus-ts/k8s';
import { type CreatedPolicyStatus, createdPolicyStatus } from '../build/status.js';

/**
 * Sets upstream's `status.status: Created`, a `numberOfAdapterPolicies` of 0 until an adapter writes one, and a
 * `Built` condition naming the binding on a policy the operator wrote, touching no other status field or
 * condition type: adapters own `adapterPolicies`, the count once they report, and their own conditions. The
 * write is a merge patch under a resourceVersion precondition, so a count an adapter writes meanwhile makes it
 * re-read and keep that count.
 *
 * @param builtFrom - the binding the policy was built from, e.g. `SecurityIntentBinding shop/web`.
 */
export function markCreated(
  client: KubeClient,
  resource: ResourceType,
  policy: KubernetesObject & { status?: CreatedPolicyStatus },
  now: () => Date,
  builtFrom: string,
): Promise<WriteResult> {
  return updateStatus<CreatedPolicyStatus>(client, resource, policy, (status) =>
    createdPolicyStatus(status, builtFrom, policy.metadata?.generation, now),
  );
}
