import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import type { KyvernoMatch, KyvernoResourceFilter } from './kyverno-policy.js';

/** The namespace a cluster binding never reaches, here as in the core operator and upstream. */
export const NEVER_TARGETED_NAMESPACE = 'kube-system';

/**
 * Which workloads a built policy applies to: the pods (or Deployments) carrying `matchLabels`, in `namespaces`
 * (every namespace when absent; a namespaced Policy is confined to its own namespace by Kyverno anyway), minus
 * those in `excludedNamespaces`.
 */
export interface WorkloadScope {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly namespaces?: readonly string[];
  readonly excludedNamespaces: readonly string[];
}

/** The scope of a NimbusPolicy: its selector's labels, in its own namespace. */
export function namespacedScope(policy: NimbusPolicy): WorkloadScope {
  return { matchLabels: { ...policy.spec.selector.matchLabels }, excludedNamespaces: [] };
}

/**
 * The scope of a ClusterNimbusPolicy, read as the core operator reads the binding's `nsSelector`: no selector or
 * `matchNames: ["*"]` is every namespace, a non-empty `excludeNames` every namespace but those (it wins over
 * `matchNames`, as upstream), otherwise exactly `matchNames`. kube-system is always excluded.
 *
 * @returns `undefined` when the selector reaches no namespace (an empty or absent `matchNames` without
 * `excludeNames`, which the core operator also fans out to no namespace): Kyverno reads an empty
 * `namespaces` list as "every namespace", so such a binding must build nothing rather than a policy for all.
 * Upstream indexes `matchNames[0]` here and crashes.
 */
export function clusterScope(policy: ClusterNimbusPolicy): WorkloadScope | undefined {
  const matchLabels = { ...(policy.spec.workloadSelector?.matchLabels ?? {}) };
  const ns = policy.spec.nsSelector;
  const excluded = ns?.excludeNames ?? [];
  const always = [NEVER_TARGETED_NAMESPACE];
  if (excluded.length > 0) {
    return { matchLabels, excludedNamespaces: unique([...always, ...excluded]) };
  }
  const matched = ns?.matchNames ?? [];
  if (ns === undefined || matched.includes('*')) {
    return { matchLabels, excludedNamespaces: always };
  }
  const namespaces = unique(matched.filter((n) => n !== NEVER_TARGETED_NAMESPACE));
  if (namespaces.length === 0) return undefined;
  return { matchLabels, namespaces, excludedNamespaces: always };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * The `match` of a rule for `kinds` in `scope`: one filter holding every label, so a workload must carry all of
 * them, as the NimbusPolicy's selector means. (Upstream writes one filter per label under `any`, which matches a
 * workload carrying just one of them.)
 */
export function matchFor(
  scope: WorkloadScope,
  kinds: readonly string[],
  operations?: readonly string[],
): KyvernoMatch {
  const resources: KyvernoResourceFilter = {
    kinds: [...kinds],
    ...(scope.namespaces ? { namespaces: [...scope.namespaces] } : {}),
    ...(Object.keys(scope.matchLabels).length > 0
      ? { selector: { matchLabels: { ...scope.matchLabels } } }
      : {}),
    ...(operations ? { operations: [...operations] } : {}),
  };
  return { any: [{ resources }] };
}

/** The `exclude` of a rule in `scope`, or nothing when it excludes no namespace. */
export function excludeFor(scope: WorkloadScope, kinds: readonly string[]): { exclude?: KyvernoMatch } {
  if (scope.excludedNamespaces.length === 0) return {};
  return {
    exclude: { any: [{ resources: { kinds: [...kinds], namespaces: [...scope.excludedNamespaces] } }] },
  };
}
