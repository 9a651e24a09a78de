/**
 * `@nimbus-ts/adapter-kyverno`: the Kyverno adapter. It builds `kyverno.io/v1` Policies and ClusterPolicies from
 * (Cluster)NimbusPolicies with upstream Nimbus's names (see README.md), and runs as its own deployment
 * (`nimbus-kyverno`). The builders are pure, so `nimbus render` previews their output without a cluster.
 *
 * @packageDocumentation
 */
export { kyvernoAdapter } from './adapter.js';
export {
  buildKyvernoClusterPolicies,
  buildKyvernoPolicies,
  cveListOf,
  DEFAULT_RUNTIME_CLASS,
  DESCRIPTION_ANNOTATION,
  EVIDENCE_ANNOTATION,
  KYVERNO_INTENTS,
  type KyvernoIntentId,
  kyvernoFailureAction,
  psaLevel,
  REPORTS_INPUT,
  runtimeClassOf,
  SCHEDULE_ANNOTATION,
  withKyvernoDefaults,
} from './build.js';
export { VIRTUAL_PATCHES, type VirtualPatch, virtualPatchFor } from './catalogue.js';
export {
  type CveKnowledge,
  cleanImageReferences,
  cveKnowledge,
  repositorySpellings,
} from './clean-images.js';
export { KYVERNO_CLUSTER_POLICIES, KYVERNO_POLICIES, VULNERABILITY_REPORTS } from './kinds.js';
export type * from './kyverno-policy.js';
export {
  clusterScope,
  excludeFor,
  matchFor,
  NEVER_TARGETED_NAMESPACE,
  namespacedScope,
  type WorkloadScope,
} from './scope.js';
