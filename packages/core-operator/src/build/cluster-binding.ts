import type { V1Namespace } from '@kubernetes/client-node';
import {
  API_VERSION,
  type ClusterNimbusPolicy,
  type ClusterNimbusPolicySpec,
  type ClusterSecurityIntentBinding,
  type ClusterSecurityIntentBindingSpec,
  type NimbusPolicy,
  type NimbusRule,
} from '@nimbus-ts/api';
import { boundedName, controllerReference } from '@nimbus-ts/k8s';

/** The name prefix of a binding's fan-out NimbusPolicies; upstream's, so tooling written for it still matches. */
export const FAN_OUT_PREFIX = 'nimbus-ctlr-gen-';

/**
 * The name of the NimbusPolicy a ClusterSecurityIntentBinding writes into each target namespace: upstream's
 * `nimbus-ctlr-gen-<binding>`, shortened with a hash suffix when a binding name over 237 characters would make
 * it longer than the 253 the API server accepts.
 */
export function fanOutPolicyName(csibName: string): string {
  return boundedName([`${FAN_OUT_PREFIX}${csibName}`]);
}

type ClusterSelector = NonNullable<ClusterSecurityIntentBindingSpec['selector']>;
type NamespaceSelector = NonNullable<ClusterSelector['nsSelector']>;

// Upstream's namespace blacklist, which the CRD documents: no selector can reach kube-system.
const NEVER_TARGETED = 'kube-system';
const ALL = '*';
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NSSEL = 'spec.selector.nsSelector';

/**
 * Why the binding's namespace selector is unusable, as a message naming the field and the fix, or undefined
 * when it is valid. A binding without `nsSelector` is valid and targets every namespace: upstream makes the
 * selector optional, so such manifests must keep working. An `nsSelector` that is present must set exactly
 * one of `matchNames` and `excludeNames`.
 */
export function validateClusterBinding(csib: ClusterSecurityIntentBinding): string | undefined {
  const ns = csib.spec.selector?.nsSelector;
  if (!ns) return undefined;
  const match = ns.matchNames ?? [];
  const exclude = ns.excludeNames ?? [];
  if (match.length > 0 && exclude.length > 0) {
    return `${NSSEL}: matchNames and excludeNames are both set; keep matchNames to target only the listed namespaces, or excludeNames to target all namespaces but the listed ones`;
  }
  if (match.length === 0 && exclude.length === 0) {
    return `${NSSEL}: neither matchNames nor excludeNames is set; list namespaces in one of them, use matchNames: ["*"] for every namespace, or remove nsSelector`;
  }
  // Upstream only rejects "*" after the first entry; ["*", "a"] is rejected too because it is unclear
  // whether the author meant every namespace or just "a".
  if (match.includes(ALL) && match.length > 1) {
    return `${NSSEL}.matchNames: "*" means every namespace and must be the only entry; remove either "*" or the other names`;
  }
  return badEntry('matchNames', match, true) ?? badEntry('excludeNames', exclude, false);
}

function badEntry(field: string, names: readonly string[], allowAll: boolean): string | undefined {
  const index = names.findIndex((n) => !(allowAll && n === ALL) && !isNamespaceName(n));
  if (index < 0) return undefined;
  return `${NSSEL}.${field}[${index}]: ${JSON.stringify(names[index])} is not a valid namespace name; use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`;
}

function isNamespaceName(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

/** Which namespaces a selector reaches, before kube-system and terminating namespaces are taken out. */
type Scope =
  | { readonly kind: 'all' }
  | { readonly kind: 'only' | 'except'; readonly names: ReadonlySet<string> };

// excludeNames wins over matchNames as in upstream, so that an invalid binding that slipped through is read
// the same way by every function here.
function scopeOf(ns: NamespaceSelector | undefined): Scope {
  if (!ns) return { kind: 'all' };
  const exclude = ns.excludeNames ?? [];
  if (exclude.length > 0) return { kind: 'except', names: new Set(exclude) };
  const match = ns.matchNames ?? [];
  return match.includes(ALL) ? { kind: 'all' } : { kind: 'only', names: new Set(match) };
}

function inScope(scope: Scope, name: string): boolean {
  if (name === NEVER_TARGETED) return false;
  if (scope.kind === 'all') return true;
  return scope.names.has(name) === (scope.kind === 'only');
}

function isTerminating(ns: V1Namespace): boolean {
  return ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating';
}

/**
 * The sorted names of the namespaces that should hold a fan-out NimbusPolicy. Names in `matchNames` that do
 * not exist are skipped (a namespace event brings them in later). Callers validate the binding first; an
 * invalid one is read leniently (excludeNames wins, any "*" means every namespace).
 */
export function targetNamespaces(
  csib: ClusterSecurityIntentBinding,
  namespaces: readonly V1Namespace[],
): string[] {
  const scope = scopeOf(csib.spec.selector?.nsSelector);
  const names = new Set<string>();
  for (const ns of namespaces) {
    const name = ns.metadata?.name;
    if (name && !isTerminating(ns) && inScope(scope, name)) names.add(name);
  }
  return [...names].sort();
}

/**
 * Whether an event about this namespace (created, deleted, terminating) can change the binding's targets,
 * so the namespace watch only requeues the bindings it concerns.
 */
export function namespaceAffectsBinding(csib: ClusterSecurityIntentBinding, namespaceName: string): boolean {
  return inScope(scopeOf(csib.spec.selector?.nsSelector), namespaceName);
}

function copyLabels(labels: Readonly<Record<string, string>> | undefined): {
  labels?: Record<string, string>;
} {
  return labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {};
}

function copyMatchLabels(sel: { matchLabels?: Record<string, string> }): {
  matchLabels?: Record<string, string>;
} {
  return sel.matchLabels ? { matchLabels: { ...sel.matchLabels } } : {};
}

/**
 * The ClusterNimbusPolicy of a binding: same name and labels, the binding's selectors at the top of the spec
 * (only those it sets), the given rules, and the binding as controller owner so it is garbage-collected with it.
 */
export function buildClusterNimbusPolicy(
  csib: ClusterSecurityIntentBinding,
  rules: NimbusRule[],
): ClusterNimbusPolicy {
  const owner = controllerReference(csib);
  const selector = csib.spec.selector ?? {};
  const spec: ClusterNimbusPolicySpec = { rules };
  if (selector.nodeSelector) spec.nodeSelector = copyMatchLabels(selector.nodeSelector);
  if (selector.nsSelector) {
    const { matchNames, excludeNames } = selector.nsSelector;
    spec.nsSelector = {
      ...(matchNames ? { matchNames: [...matchNames] } : {}),
      ...(excludeNames ? { excludeNames: [...excludeNames] } : {}),
    };
  }
  if (selector.workloadSelector) spec.workloadSelector = copyMatchLabels(selector.workloadSelector);
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterNimbusPolicy',
    metadata: { name: owner.name, ...copyLabels(csib.metadata.labels), ownerReferences: [owner] },
    spec,
  };
}

/**
 * The NimbusPolicy a binding writes into one target namespace. The selector is the binding's workload labels;
 * like upstream, an absent or empty label map gives `selector: {}` (every pod), and CEL is not applied.
 */
export function buildFanOutPolicy(
  csib: ClusterSecurityIntentBinding,
  namespace: string,
  rules: NimbusRule[],
): NimbusPolicy {
  const owner = controllerReference(csib);
  const matchLabels = csib.spec.selector?.workloadSelector?.matchLabels;
  return {
    apiVersion: API_VERSION,
    kind: 'NimbusPolicy',
    metadata: {
      name: fanOutPolicyName(owner.name),
      namespace,
      ...copyLabels(csib.metadata.labels),
      ownerReferences: [owner],
    },
    spec: {
      selector: matchLabels && Object.keys(matchLabels).length > 0 ? { matchLabels: { ...matchLabels } } : {},
      rules,
    },
  };
}

/** What to do with a binding's fan-out NimbusPolicies; every list is sorted by namespace. */
export interface FanOutPlan {
  /** Target namespaces that have no policy yet. */
  create: string[];
  /** Policies in target namespaces; all of them are to be rebuilt and updated when they differ. */
  keep: NimbusPolicy[];
  /** Policies in namespaces no longer targeted, and extra policies in a namespace that already has one. */
  remove: NimbusPolicy[];
}

/**
 * Splits a binding's existing fan-out NimbusPolicies (those it controls) against the namespaces it should
 * cover. Every policy to keep is returned, unlike upstream, which updated only the first per reconcile. A
 * namespace should hold one policy; if it holds several (e.g. a hand-made one owned by the binding), the one
 * with the fan-out prefix, then the lowest name, is kept and the others are removed.
 */
export function planFanOut(
  desiredNamespaces: readonly string[],
  existing: readonly NimbusPolicy[],
): FanOutPlan {
  const desired = new Set(desiredNamespaces);
  const keep = new Map<string, NimbusPolicy>();
  const remove: NimbusPolicy[] = [];
  for (const np of [...existing].sort(byPreference)) {
    const ns = np.metadata.namespace ?? '';
    if (desired.has(ns) && !keep.has(ns)) keep.set(ns, np);
    else remove.push(np);
  }
  return {
    create: [...desired].filter((ns) => !keep.has(ns)).sort(),
    keep: [...keep.values()].sort(byNamespace),
    remove: remove.sort(byNamespace),
  };
}

function byNamespace(a: NimbusPolicy, b: NimbusPolicy): number {
  return compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(nameOf(a), nameOf(b));
}

function byPreference(a: NimbusPolicy, b: NimbusPolicy): number {
  const prefixed = (np: NimbusPolicy) => (nameOf(np).startsWith(FAN_OUT_PREFIX) ? 0 : 1);
  return prefixed(a) - prefixed(b) || compare(nameOf(a), nameOf(b));
}

function nameOf(np: NimbusPolicy): string {
  return np.metadata.name ?? '';
}

// Code-unit order rather than localeCompare, so the order does not depend on the process locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
