import type { ResourceType } from '../runtime/resource.js';

/** Core v1 Secrets: where self-managed serving certificates are kept. */
export const SECRETS: ResourceType = {
  apiVersion: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
};

/** Core v1 Namespaces: the owner of a webhook's configuration. */
export const NAMESPACES: ResourceType = {
  apiVersion: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
};

/** admissionregistration.k8s.io/v1 ValidatingWebhookConfigurations (cluster-scoped). */
export const VALIDATING_WEBHOOK_CONFIGURATIONS: ResourceType = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
};
