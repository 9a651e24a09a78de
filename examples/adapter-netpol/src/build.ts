import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy } from '@nimbus-ts/api';
import { IntentIds } from '@nimbus-ts/idpool';
import { boundedName } from '@nimbus-ts/k8s';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Node } from './network-policy.js';

/** The canonical IDs of the intents this adapter enforces. */
export const NETPOL_INTENTS: readonly string[] = [
  IntentIds.dnsManipulation,
  IntentIds.denyExternalNetworkAccess,
];

// RFC 1918: with the pod networks, the addresses denyExternalNetworkAccess treats as inside the cluster.
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

// Factories rather than constants, so that no two built objects share a nested object a caller could mutate.
// `protocol` is explicit because the API server would store TCP for a missing one, and the stored object must
// equal the built one for the SDK to skip writes when nothing changed.
const dnsPeer = (): NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
});
const dnsPorts = (): NetworkPolicyPort[] => [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
const ipBlocks = (cidrs: readonly string[]): NetworkPolicyPeer[] =>
  cidrs.map((cidr) => ({ ipBlock: { cidr } }));

// Code-unit order: unlike localeCompare it cannot vary with the runtime's locale data.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every node's pod ranges, once each, ordered by node name then CIDR whatever the order of the cache. */
function podCidrs(nodes: readonly Node[]): string[] {
  const pairs: [node: string, cidr: string][] = [];
  for (const { metadata, spec } of nodes) {
    // podCIDRs (one range per IP family) supersedes podCIDR; older clusters set only podCIDR.
    const cidrs = spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [];
    for (const cidr of cidrs) pairs.push([metadata?.name ?? '', cidr]);
  }
  pairs.sort(([nodeA, cidrA], [nodeB, cidrB]) => compare(nodeA, nodeB) || compare(cidrA, cidrB));
  return [...new Set(pairs.map(([, cidr]) => cidr))];
}

/** The spec, without its pod selector, that enforces one intent; `undefined` for an ID this adapter ignores. */
function specFor(
  id: string,
  pods: readonly string[],
): Omit<NetworkPolicy['spec'], 'podSelector'> | undefined {
  switch (id) {
    case IntentIds.dnsManipulation:
      // DNS may go only to the cluster DNS and the pod networks, so a pod cannot ask a resolver of its
      // choosing. As with upstream, the selected pods lose every other egress no other NetworkPolicy allows.
      return { policyTypes: ['Egress'], egress: [{ to: [...ipBlocks(pods), dnsPeer()], ports: dnsPorts() }] };
    case IntentIds.denyExternalNetworkAccess: {
      const inside = [...new Set([...pods, ...PRIVATE_RANGES])];
      return {
        policyTypes: ['Egress', 'Ingress'],
        ingress: [{ from: ipBlocks(inside) }],
        // Upstream puts DNS and these ranges in one rule with the DNS ports, which restricts traffic inside the
        // cluster to port 53 as well. Two rules keep internal traffic open on every port and deny only traffic
        // that leaves the cluster, which is what the intent names.
        egress: [{ to: [dnsPeer()], ports: dnsPorts() }, { to: ipBlocks(inside) }],
      };
    }
    default:
      return undefined;
  }
}

/**
 * Builds one NetworkPolicy per supported rule of `policy`, in rule order, named `<policy>-<lower-case ID>` and
 * selecting the policy's pods. `context.inputs.nodes` supplies the pod networks.
 *
 * A rule's action is ignored: a NetworkPolicy has no audit mode, so `Audit` enforces as `Block` does.
 *
 * Pure: the same policy and nodes give equal output, and neither argument is modified.
 */
export function buildNetworkPolicies(policy: NimbusPolicy, context: BuildContext): NetworkPolicy[] {
  // The cache holds whole Node objects; only the fields declared in Node are read.
  const pods = podCidrs((context.inputs.nodes ?? []) as readonly Node[]);
  const built: NetworkPolicy[] = [];
  for (const { id } of context.rules) {
    const spec = specFor(id, pods);
    if (spec === undefined) continue;
    built.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      // Shortened with a hash suffix when a long policy name would make it longer than the API server accepts.
      metadata: { name: boundedName([policy.metadata.name ?? '', id.toLowerCase()]) },
      spec: { podSelector: { matchLabels: { ...policy.spec.selector.matchLabels } }, ...spec },
    });
  }
  return built;
}
