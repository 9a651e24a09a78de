/**
 * `@nimbus-ts/adapter-kyverno/declaration`: the Kyverno adapter's declaration and its pure builders, and nothing of
 * the process (`nimbus-kyverno`). `nimbus render`, `validate` and `status` load this entry point; its default
 * export is the declaration, as `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { kyvernoAdapter } from './adapter.js';

export { kyvernoAdapter } from './adapter.js';
export { buildKyvernoClusterPolicies, buildKyvernoPolicies, KYVERNO_INTENTS } from './build.js';
export { KYVERNO_CLUSTER_POLICIES, KYVERNO_POLICIES } from './kinds.js';

/** The Kyverno adapter's declaration (the same object as {@link kyvernoAdapter}). */
export default kyvernoAdapter;
