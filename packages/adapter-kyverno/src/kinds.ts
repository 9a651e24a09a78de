import type { ResourceType } from '@nimbus-ts/k8s';

/**
 * Kyverno's namespaced policy kind, built from NimbusPolicies. Listed in a policy's status as
 * `KyvernoPolicy/<name>`, as upstream Nimbus lists it.
 *
 * @remarks
 * Kyverno v1.19 marks `kyverno.io/v1` as deprecated (in favour of its CEL policy kinds) but still serves it; it is
 * the version upstream Nimbus writes and that Kyverno's pod-security, mutate and validate rules live in.
 */
export const KYVERNO_POLICIES: ResourceType = {
  apiVersion: 'kyverno.io/v1',
  kind: 'Policy',
  plural: 'policies',
  namespaced: true,
  statusKind: 'KyvernoPolicy',
};

/** Kyverno's cluster-wide policy kind, built from ClusterNimbusPolicies; listed as `KyvernoClusterPolicy/<name>`. */
export const KYVERNO_CLUSTER_POLICIES: ResourceType = {
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  plural: 'clusterpolicies',
  namespaced: false,
  statusKind: 'KyvernoClusterPolicy',
};

/**
 * The Clair adapter's VulnerabilityReports, read (never written) to tell where a CVE is present, so that a
 * virtual patch covers only the images that need it. Written out here rather than imported, because no adapter
 * depends on another: the kind is a published API, not a code dependency.
 */
export const VULNERABILITY_REPORTS: ResourceType = {
  apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
  kind: 'VulnerabilityReport',
  plural: 'vulnerabilityreports',
  namespaced: true,
};
