/**
 * `@nimbus-ts/adapter-kubearmor/declaration`: the KubeArmor adapter's declaration and its pure builder, and
 * nothing of the process (`nimbus-kubearmor`). Tools that only build or describe KubeArmorPolicies — `nimbus
 * render`, `validate` and `status` — load this entry point; its default export is the declaration, as
 * `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { kubearmorAdapter } from './adapter.js';

export { kubearmorAdapter } from './adapter.js';
export { buildKubeArmorPolicies, KUBEARMOR_INTENTS } from './build.js';
export { KUBEARMOR_POLICIES } from './kinds.js';

/** The KubeArmor adapter's declaration (the same object as {@link kubearmorAdapter}). */
export default kubearmorAdapter;
