/**
 * An example third-party adapter: Kubernetes NetworkPolicies for the `dnsManipulation` and
 * `denyExternalNetworkAccess` intents, written only against the public entry points of `@nimbus-ts/k8s` and
 * `@nimbus-ts/idpool`. Run it with `nimbus-netpol` (see README.md).
 *
 * @packageDocumentation
 */
export { NETWORK_POLICIES, netpolAdapter } from './adapter.js';
export { buildNetworkPolicies, NETPOL_INTENTS } from './build.js';
export type * from './network-policy.js';
