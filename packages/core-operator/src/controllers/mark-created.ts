import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type ObjectClient,
  type ResourceType,
  semanticEqual,
  updateStatus,
  type WriteResult,
} from '@nimbus-ts/k8s';
import { STATUS_CREATED, withLastUpdated } from '../build/status.js';

interface CreatedStatus {
  status?: string;
  lastUpdated?: string;
}

/**
 * Sets upstream's `status.status: Created` on a policy the operator wrote, touching no other status field:
 * adapters own `adapterPolicies` and `numberOfAdapterPolicies`.
 */
export function markCreated(
  client: ObjectClient,
  resource: ResourceType,
  policy: KubernetesObject & { status?: CreatedStatus },
  now: () => Date,
): Promise<WriteResult> {
  return updateStatus<CreatedStatus>(client, resource, policy, (status) =>
    withLastUpdated<CreatedStatus>({ status: STATUS_CREATED }, status, semanticEqual, now),
  );
}
