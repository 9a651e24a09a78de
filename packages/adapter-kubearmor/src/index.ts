/**
 * `@nimbus-ts/adapter-kubearmor`: the KubeArmor adapter. It builds `security.kubearmor.com/v1` KubeArmorPolicies
 * from NimbusPolicies with upstream Nimbus's names and content (see README.md), and runs as its own deployment
 * (`nimbus-kubearmor`). The builder is pure, so `nimbus render` previews its output without a cluster.
 *
 * @packageDocumentation
 */
export { kubearmorAdapter } from './adapter.js';
export {
  buildKubeArmorPolicies,
  KUBEARMOR_INTENTS,
  type KubeArmorIntentId,
  kubeArmorAction,
} from './build.js';
export { kubearmorCrdDirectory } from './crds.js';
export { KUBEARMOR_POLICIES } from './kinds.js';
export type * from './kubearmor-policy.js';
export { kubeArmorSeverity } from './severity.js';
