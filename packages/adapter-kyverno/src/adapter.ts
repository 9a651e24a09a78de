import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import {
  buildKyvernoClusterPolicies,
  buildKyvernoPolicies,
  KYVERNO_INTENTS,
  REPORTS_INPUT,
} from './build.js';
import { KYVERNO_CLUSTER_POLICIES, KYVERNO_POLICIES, VULNERABILITY_REPORTS } from './kinds.js';

/**
 * The Kyverno adapter: Kyverno Policies from NimbusPolicies and ClusterPolicies from ClusterNimbusPolicies, for
 * `escapeToHost`, `cocoWorkload` and `virtualPatch`. It reads the Clair adapter's VulnerabilityReports (when that
 * adapter is installed) to spare images known to be free of a virtually patched CVE.
 */
export const kyvernoAdapter: AdapterDeclaration = {
  name: 'kyverno',
  intents: KYVERNO_INTENTS,
  kinds: [KYVERNO_POLICIES, KYVERNO_CLUSTER_POLICIES],
  inputs: { [REPORTS_INPUT]: VULNERABILITY_REPORTS },
  build: buildKyvernoPolicies,
  buildCluster: buildKyvernoClusterPolicies,
};
