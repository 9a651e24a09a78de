import type { V1LabelSelector } from '@kubernetes/client-node';

/** The label Kubernetes sets on every Namespace to its name (since 1.21); only the API server may change it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The namespaces an image admission policy covers: those holding at least one ImageAdmissionPolicy that is not
 * being deleted (a policy applies to its own namespace only), sorted and without repeats, so that equal sets
 * make equal selectors and the configuration is not rewritten.
 */
export function coveredNamespaces(
  policies: readonly {
    readonly metadata: { readonly namespace?: string; readonly deletionTimestamp?: unknown };
  }[],
): string[] {
  const names = new Set<string>();
  for (const policy of policies) {
    const namespace = policy.metadata.namespace;
    if (namespace && !policy.metadata.deletionTimestamp) names.add(namespace);
  }
  return [...names].sort();
}

/**
 * The namespace selector of the admission webhooks: exactly the `covered` namespaces (by their name label), within
 * `narrowing` when given. With nothing covered it selects no namespace at all (every Namespace has the name label,
 * so `DoesNotExist` matches none; an `In` needs at least one value). Pods of a namespace no policy covers then
 * never reach the webhook, so a webhook that is down (failurePolicy Fail) cannot block them.
 *
 * @example
 * ```ts
 * coveredNamespaceSelector(['shop']);
 * // { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] }
 * ```
 */
export function coveredNamespaceSelector(
  covered: readonly string[],
  narrowing?: V1LabelSelector,
): V1LabelSelector {
  const coverage =
    covered.length > 0
      ? { key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...covered] }
      : { key: NAMESPACE_NAME_LABEL, operator: 'DoesNotExist' };
  return {
    ...(narrowing?.matchLabels ? { matchLabels: { ...narrowing.matchLabels } } : {}),
    matchExpressions: [...(narrowing?.matchExpressions ?? []), coverage],
  };
}
