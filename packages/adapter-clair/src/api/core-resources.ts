import type { ResourceType } from '@nimbus-ts/k8s';

/** The pods whose images the scanner scans; a pod's change re-plans the policies of its namespace. */
export const PODS: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };

/**
 * Nodes, watched as metadata only: their `kubernetes.io/os` and `kubernetes.io/arch` labels pick the manifest of a
 * multi-platform image that a pod actually runs. Cluster-scoped, so the scanner lists and watches them cluster-wide.
 */
export const NODES: ResourceType = { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };

/** Secrets: pull secrets (read by name, as the kubelet would) and the Slack webhook URL. */
export const SECRETS: ResourceType = {
  apiVersion: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
};

/** ServiceAccounts, for the pull secrets they add to their pods. */
export const SERVICE_ACCOUNTS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
};
