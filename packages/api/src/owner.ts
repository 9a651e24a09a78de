import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION } from './constants.js';

/** Binding kinds that may own a policy of each policy kind, as the core operator writes them. */
const BINDING_KINDS: Readonly<Record<string, readonly string[]>> = {
  NimbusPolicy: ['SecurityIntentBinding', 'ClusterSecurityIntentBinding'],
  ClusterNimbusPolicy: ['ClusterSecurityIntentBinding'],
};

/**
 * The binding that owns a (Cluster)NimbusPolicy: its controller owner reference, when that is a binding kind
 * of the Nimbus API. Undefined for a policy nobody owns or one owned by something else — an orphan, which
 * adapters leave alone, because only the core operator's policies express a user's binding.
 */
export function bindingOwner(policy: KubernetesObject): V1OwnerReference | undefined {
  const kinds = BINDING_KINDS[policy.kind ?? ''] ?? [];
  return policy.metadata?.ownerReferences?.find(
    (ref) => ref.controller === true && ref.apiVersion === API_VERSION && kinds.includes(ref.kind),
  );
}
