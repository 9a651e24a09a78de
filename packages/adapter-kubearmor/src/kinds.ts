import type { ResourceType } from '@nimbus-ts/k8s';

/**
 * KubeArmor's namespaced policy kind, the only kind this adapter writes.
 *
 * @remarks
 * The CRD belongs to KubeArmor; `crds/` in this package holds a copy for tests only.
 */
export const KUBEARMOR_POLICIES: ResourceType = {
  apiVersion: 'security.kubearmor.com/v1',
  kind: 'KubeArmorPolicy',
  plural: 'kubearmorpolicies',
  namespaced: true,
};
