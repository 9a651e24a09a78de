// Just the fields of networking.k8s.io/v1 NetworkPolicy that this adapter writes, and the fields of v1 Node it
// reads. Declaring them here keeps the adapter off `@kubernetes/client-node`: a third-party adapter needs only
// the public entry points of `@nimbus-ts/k8s` and `@nimbus-ts/idpool`.

/** A label selector with `matchLabels` only; `{}` selects everything. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
}

/** One side of a connection: an IP range, or pods picked by namespace and pod labels. */
export interface NetworkPolicyPeer {
  ipBlock?: { cidr: string };
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
}

/** A port; `protocol` is always written because the API server would otherwise store its default, TCP. */
export interface NetworkPolicyPort {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

/** Traffic from the selected pods to `to`, on `ports` (every port when absent). */
export interface NetworkPolicyEgressRule {
  to: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** Traffic from `from` to the selected pods, on every port. */
export interface NetworkPolicyIngressRule {
  from: NetworkPolicyPeer[];
}

/** A NetworkPolicy as built; the SDK adds the namespace, the owner reference and the managed-by annotation. */
export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes: ('Ingress' | 'Egress')[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

/** The fields of a v1 Node that say which pod networks it hands out. */
export interface Node {
  metadata?: { name?: string };
  spec?: {
    /** Every pod range of the node (one per IP family); newer than `podCIDR`, which it starts with. */
    podCIDRs?: string[];
    podCIDR?: string;
  };
}
