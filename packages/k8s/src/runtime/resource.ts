import type { KubernetesObject } from '@kubernetes/client-node';

/** Enough about a Kubernetes resource type to build its URLs. */
export interface ResourceType {
  /** `v1` for the core group, else `<group>/<version>`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `nimbuspolicies`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /**
   * How objects of this kind are listed in a policy's `status.adapterPolicies` (`<statusKind>/<name>`), when
   * that differs from `kind`: upstream Nimbus lists Kyverno's `Policy` as `KyvernoPolicy/<name>`, and tooling
   * written for upstream reads those entries. Absent means `kind`.
   */
  readonly statusKind?: string;
}

/** A reference to one object: its name, and its namespace when the resource is namespaced. */
export interface ObjectRef {
  readonly namespace?: string | undefined;
  readonly name: string;
}

function prefix(resource: ResourceType): string {
  return resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
}

/** The collection URL path: all namespaces when `namespace` is omitted for a namespaced resource. */
export function collectionPath(resource: ResourceType, namespace?: string): string {
  const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix(resource)}${ns}/${resource.plural}`;
}

/** The URL path of one object. */
export function objectPath(resource: ResourceType, ref: ObjectRef): string {
  if (resource.namespaced && !ref.namespace) {
    throw new Error(`${resource.kind} ${ref.name} is namespaced; its reference needs a namespace`);
  }
  return `${collectionPath(resource, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

/** The queue and cache key of a reference: `namespace/name`, or `name` for cluster-scoped objects. */
export function refKey(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** Parses a key made by {@link refKey}. */
export function parseKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The reference of an object (its metadata name and namespace). */
export function refOf(obj: KubernetesObject): ObjectRef {
  return { namespace: obj.metadata?.namespace || undefined, name: obj.metadata?.name ?? '' };
}

/** A human-readable name for logs and errors: `Kind namespace/name`. */
export function describeRef(resource: ResourceType, ref: ObjectRef): string {
  return `${resource.kind} ${refKey(ref)}`;
}
