import { API_VERSION, type NimbusPolicy, type NimbusRule, type SecurityIntentBinding } from '@nimbus-ts/api';
import { controllerReference } from '@nimbus-ts/k8s';

/**
 * The NimbusPolicy a SecurityIntentBinding asks for: same name and namespace, the binding's labels, the
 * binding as controller owner, the rules in the binding's order, and the workload selector's labels.
 *
 * @param selectedLabels - labels found through the binding's CEL expressions; explicit matchLabels win.
 */
export function buildNimbusPolicy(
  sib: SecurityIntentBinding,
  rules: readonly NimbusRule[],
  selectedLabels: Readonly<Record<string, string>> = {},
): NimbusPolicy {
  const matchLabels = { ...selectedLabels, ...sib.spec.selector.workloadSelector?.matchLabels };
  const labels = sib.metadata.labels;
  return {
    apiVersion: API_VERSION,
    kind: 'NimbusPolicy',
    metadata: {
      name: sib.metadata.name,
      namespace: sib.metadata.namespace,
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      ownerReferences: [controllerReference(sib)],
    },
    spec: {
      selector: Object.keys(matchLabels).length > 0 ? { matchLabels } : {},
      rules: rules.map((r) => structuredClone(r)),
    },
  };
}
