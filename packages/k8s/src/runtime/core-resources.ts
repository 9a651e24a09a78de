import type { ResourceType } from './resource.js';

// The built-in kinds nimbus-ts components read and write, named once for every package.

/** Core v1 Pods: what bindings select and what the scanner and the admission webhook look at. */
export const PODS = {
  apiVersion: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
} as const satisfies ResourceType;

/**
 * Core v1 Nodes (cluster-scoped): their labels give a pod's platform (`kubernetes.io/os`, `kubernetes.io/arch`) and
 * addresses; readers usually watch them as metadata only.
 */
export const NODES = {
  apiVersion: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
} as const satisfies ResourceType;

/** Core v1 Namespaces (cluster-scoped). */
export const NAMESPACES = {
  apiVersion: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
} as const satisfies ResourceType;

/** Core v1 Secrets: read by name only (pull secrets, webhook URLs, certificates), never listed across namespaces. */
export const SECRETS = {
  apiVersion: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
} as const satisfies ResourceType;

/** Core v1 ServiceAccounts, for the pull secrets they add to their pods. */
export const SERVICE_ACCOUNTS = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
} as const satisfies ResourceType;

/** apps/v1 Deployments. */
export const DEPLOYMENTS = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
} as const satisfies ResourceType;

/** admissionregistration.k8s.io/v1 ValidatingWebhookConfigurations (cluster-scoped). */
export const VALIDATING_WEBHOOK_CONFIGURATIONS = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
} as const satisfies ResourceType;
