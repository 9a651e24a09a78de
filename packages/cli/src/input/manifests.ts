import type { KubernetesObject } from '@kubernetes/client-node';
import {
  API_VERSION,
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  type NimbusKind,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import type { LocatedObject } from './documents.js';

/** An object of a known shape, with where it was read from. */
export interface Manifest<T> {
  readonly object: T;
  readonly source: LocatedObject;
}

/** The input sorted by what the operator and the adapters do with it, each list in input order. */
export interface ManifestSet {
  readonly intents: Manifest<SecurityIntent>[];
  readonly bindings: Manifest<SecurityIntentBinding>[];
  readonly clusterBindings: Manifest<ClusterSecurityIntentBinding>[];
  /** NimbusPolicies given directly, e.g. exported from a cluster. */
  readonly policies: Manifest<NimbusPolicy>[];
  readonly clusterPolicies: Manifest<ClusterNimbusPolicy>[];
  /** Every other Kubernetes object: Namespaces, Nodes and Pods are read as the cluster's state, the rest ignored. */
  readonly others: Manifest<KubernetesObject>[];
}

/** The Nimbus kind of an object of `intent.security.nimbus.com/v1alpha1`, else undefined. */
export function nimbusKind(object: unknown): NimbusKind | undefined {
  const o = object as { apiVersion?: unknown; kind?: unknown } | null;
  if (o?.apiVersion !== API_VERSION || typeof o.kind !== 'string') return undefined;
  return Object.hasOwn(RESOURCES, o.kind) ? (o.kind as NimbusKind) : undefined;
}

/** `Kind/name` of an object as messages name it; `<kind>/?` when it has no name. */
export function subjectOf(object: unknown): string {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const kind = typeof o?.kind === 'string' ? o.kind : 'document';
  const name = typeof o?.metadata?.name === 'string' ? o.metadata.name : '?';
  return `${kind}/${name}`;
}

function isKubernetesObject(object: unknown): object is KubernetesObject {
  const o = object as { apiVersion?: unknown; kind?: unknown } | null;
  return typeof o?.apiVersion === 'string' && typeof o.kind === 'string';
}

/**
 * Sorts objects by kind. Objects must already be schema-valid for their kind; anything that is not a
 * Kubernetes object is dropped.
 *
 * @param defaultNamespace - set on namespaced Nimbus objects that name none, as `kubectl apply` would with the
 *   context's namespace; copies are made, the inputs are not changed.
 */
export function classifyManifests(objects: readonly LocatedObject[], defaultNamespace?: string): ManifestSet {
  const set: ManifestSet = {
    intents: [],
    bindings: [],
    clusterBindings: [],
    policies: [],
    clusterPolicies: [],
    others: [],
  };
  for (const source of objects) {
    if (!isKubernetesObject(source.object)) continue;
    const kind = nimbusKind(source.object);
    const object =
      kind !== undefined &&
      RESOURCES[kind].namespaced &&
      !source.object.metadata?.namespace &&
      defaultNamespace
        ? { ...source.object, metadata: { ...source.object.metadata, namespace: defaultNamespace } }
        : source.object;
    switch (kind) {
      case 'SecurityIntent':
        set.intents.push({ object: object as SecurityIntent, source });
        break;
      case 'SecurityIntentBinding':
        set.bindings.push({ object: object as SecurityIntentBinding, source });
        break;
      case 'ClusterSecurityIntentBinding':
        set.clusterBindings.push({ object: object as ClusterSecurityIntentBinding, source });
        break;
      case 'NimbusPolicy':
        set.policies.push({ object: object as NimbusPolicy, source });
        break;
      case 'ClusterNimbusPolicy':
        set.clusterPolicies.push({ object: object as ClusterNimbusPolicy, source });
        break;
      default:
        set.others.push({ object, source });
    }
  }
  return set;
}
