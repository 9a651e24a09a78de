/**
 * `@nimbus-ts/example-adapter-netpol/declaration`: the adapter's declaration and its pure builder, without the
 * process (`nimbus-netpol`). Tools that only build or describe NetworkPolicies load this entry point, e.g.
 * `nimbus render --adapter @nimbus-ts/example-adapter-netpol/declaration`; its default export is the
 * declaration, as `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { netpolAdapter } from './adapter.js';

export { NETWORK_POLICIES, netpolAdapter } from './adapter.js';
export { buildNetworkPolicies, NETPOL_INTENTS } from './build.js';

/** The adapter's declaration (the same object as {@link netpolAdapter}). */
export default netpolAdapter;
