import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';

/** An engine object an adapter would create. */
export interface RenderedObject {
  /** The adapter's name, e.g. `kubearmor`. */
  readonly adapter: string;
  /** The object as the adapter would write it: namespace, owner reference and managed-by annotation included. */
  readonly object: KubernetesObject;
}

/** A (Cluster)NimbusPolicy the core operator would write, and what every adapter would build from it. */
export interface RenderedPolicy {
  readonly policy: NimbusPolicy | ClusterNimbusPolicy;
  /** Where it comes from, e.g. `SecurityIntentBinding default/web`, or `input web.yaml` for a policy given as is. */
  readonly from: string;
  readonly objects: readonly RenderedObject[];
}

/**
 * Something the reader of rendered output should know: why a binding renders nothing, what could not be known
 * offline. `error` notes make `nimbus render` exit 1 (the operator would reject the binding).
 */
export interface RenderNote {
  readonly severity: 'error' | 'warning' | 'note';
  /** What it is about, e.g. `SecurityIntentBinding default/web`. */
  readonly subject: string;
  readonly message: string;
}

/**
 * Everything `nimbus render` produces: SecurityIntentBindings' policies, then ClusterSecurityIntentBindings'
 * (the ClusterNimbusPolicy, then the fan-out by namespace), then policies given as they are, each group in
 * input order; every policy followed by its objects in adapter order.
 */
export interface Rendering {
  readonly policies: readonly RenderedPolicy[];
  readonly notes: readonly RenderNote[];
}

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object: how rendered output names objects. */
export function describeObject(object: {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}): string {
  const namespace = object.metadata?.namespace;
  return `${object.kind ?? '?'} ${namespace ? `${namespace}/` : ''}${object.metadata?.name ?? '?'}`;
}
