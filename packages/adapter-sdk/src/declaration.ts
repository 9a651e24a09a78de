import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNimbusPolicy, NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { ResourceType } from '@nimbus-ts/k8s';

/**
 * One rule of a (Cluster)NimbusPolicy that an adapter supports, as its builder receives it.
 *
 * `id` is the canonical intent ID (an alias such as `pkgMgrs` arrives as `swDeploymentTools`), so a builder
 * switches over the IDs it declared and never sees spellings it did not ask for.
 */
export interface SupportedRule {
  /** The canonical intent ID. */
  readonly id: string;
  /** The rule as the core operator wrote it (its `id` is the ID as the SecurityIntent spelt it). */
  readonly rule: NimbusRule;
}

/** What a builder may read besides the policy itself. */
export interface BuildContext {
  /** The policy's rules this adapter supports, in the policy's order, one per distinct canonical ID. */
  readonly rules: readonly SupportedRule[];
  /**
   * The cached objects of every input the adapter declared, by input name (see
   * {@link AdapterDeclaration.inputs}); empty lists when the builder runs without a cluster.
   */
  readonly inputs: Readonly<Record<string, readonly KubernetesObject[]>>;
}

/**
 * An object a builder wants to exist: `apiVersion`, `kind`, `metadata.name` and the content (`spec`, …).
 *
 * The SDK fills in the rest: the namespace (the policy's, for namespaced kinds), the controller owner reference
 * to the policy and the `app.kubernetes.io/managed-by` annotation. Labels and other annotations a builder sets
 * are kept.
 */
export type DesiredObject = KubernetesObject;

/** A pure translation of one policy kind into engine-native objects. */
export type Builder<P> = (policy: P, context: BuildContext) => readonly DesiredObject[];

/**
 * Everything that makes one adapter different from another: a name, the intents it enforces, the kinds it
 * writes and a pure builder. {@link runAdapter} and {@link createAdapter} supply the rest — watches, ownership,
 * drift repair, cleanup, status, announcement, leader election, probes and metrics.
 *
 * @example
 * ```ts
 * export const adapter: AdapterDeclaration = {
 *   name: 'netpol',
 *   intents: ['dnsManipulation', 'denyExternalNetworkAccess'],
 *   kinds: [NETWORK_POLICIES],
 *   inputs: { nodes: NODES },
 *   build: buildNetworkPolicies,
 * };
 * ```
 */
export interface AdapterDeclaration {
  /**
   * Short lower-case engine name, e.g. `kubearmor`. The adapter's objects carry
   * `app.kubernetes.io/managed-by: nimbus-<name>`, its status entries and Lease use the same name, and the
   * intent registry matches it against intents' engines.
   */
  readonly name: string;
  /**
   * Canonical IDs of the intents this adapter enforces. Rules with other IDs are left to other adapters.
   * Usually `registry.supportedBy(name).map(d => d.id)`.
   */
  readonly intents: readonly string[];
  /**
   * Every kind the builders produce. The SDK watches them to repair drift and deletes the objects it manages for
   * a policy (controlled by the policy and marked `app.kubernetes.io/managed-by: nimbus-<name>`) that are no
   * longer wanted; a built object of another kind is a programming error.
   *
   * Several adapters may declare the same kind: each deletes and updates only the objects it manages, reports a
   * name another adapter already manages as a `NameConflict`, and merges only the `status.adapterPolicies`
   * entries it recorded under `status.policiesByAdapter`.
   */
  readonly kinds: readonly ResourceType[];
  /**
   * Other resources the builders read, by a name of the adapter's choosing (e.g. `{ nodes: NODES }`). They
   * are cached, and a change to any of them rebuilds every policy.
   */
  readonly inputs?: Readonly<Record<string, ResourceType>>;
  /** Builds the objects for one NimbusPolicy (namespaced; objects go into the policy's namespace). */
  readonly build: Builder<NimbusPolicy>;
  /**
   * Builds the objects for one ClusterNimbusPolicy; absent when the engine has no cluster-wide kind, in which
   * case ClusterNimbusPolicies are not watched (the core operator's per-namespace NimbusPolicies cover
   * cluster-wide bindings).
   */
  readonly buildCluster?: Builder<ClusterNimbusPolicy>;
  /** Resolves intent aliases to canonical IDs; default `defaultRegistry` of `@nimbus-ts/idpool`. */
  readonly registry?: IntentRegistry;
}
