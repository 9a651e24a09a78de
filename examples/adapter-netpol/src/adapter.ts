import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { NODES, type ResourceType } from '@nimbus-ts/k8s';
import { buildNetworkPolicies, NETPOL_INTENTS } from './build.js';

/** The kind this adapter writes. */
export const NETWORK_POLICIES: ResourceType = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
};

/**
 * The whole adapter, as the SDK sees it: what it is called, which intents it enforces, what it writes and
 * reads, and the pure builder. Watching, ownership, drift repair, cleanup, status and HA come from
 * `@nimbus-ts/k8s`.
 */
export const netpolAdapter: AdapterDeclaration = {
  name: 'netpol',
  intents: NETPOL_INTENTS,
  kinds: [NETWORK_POLICIES],
  inputs: { nodes: NODES },
  build: buildNetworkPolicies,
};
