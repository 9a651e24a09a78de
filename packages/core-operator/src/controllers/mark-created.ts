import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type Condition,
  type ObjectClient,
  type ResourceType,
  semanticEqual,
  setCondition,
  updateStatus,
  type WriteResult,
} from '@nimbus-ts/k8s';
import { STATUS_CREATED, withLastUpdated } from '../build/status.js';

interface CreatedStatus {
  status?: string;
  lastUpdated?: string;
  conditions?: Condition[];
}

/**
 * Sets upstream's `status.status: Created` and a `Built` condition naming the binding on a policy the
 * operator wrote, touching no other status field or condition type: adapters own `adapterPolicies`,
 * `numberOfAdapterPolicies` and their own conditions.
 *
 * @param builtFrom - the binding the policy was built from, e.g. `SecurityIntentBinding shop/web`.
 */
export function markCreated(
  client: ObjectClient,
  resource: ResourceType,
  policy: KubernetesObject & { status?: CreatedStatus },
  now: () => Date,
  builtFrom: string,
): Promise<WriteResult> {
  return updateStatus<CreatedStatus>(client, resource, policy, (status) =>
    withLastUpdated<CreatedStatus>(
      {
        status: STATUS_CREATED,
        conditions: setCondition(
          status?.conditions,
          {
            type: 'Built',
            status: 'True',
            reason: 'BuiltFromBinding',
            message: `built by the core operator from ${builtFrom}`,
            observedGeneration: policy.metadata?.generation,
          },
          now,
        ),
      },
      status,
      semanticEqual,
      now,
    ),
  );
}
