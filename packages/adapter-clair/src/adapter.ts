import type { AdapterDeclaration, BuildContext, DesiredObject, NimbusPolicy } from '@nimbus-ts/k8s';
import { IMAGE_ADMISSION_POLICIES, IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';
import { buildImageAdmissionPolicies, CLAIR_ADMISSION_INTENTS } from '@nimbus-ts/adapter-admission';
import { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from './build/image-scan-policy.js';

/**
 * Everything the Clair adapter builds for one NimbusPolicy: its ImageScanPolicy (vulnerabilityScanning) and its
 * ImageAdmissionPolicy (disallowLatestTag, allowedRegistries, blockVulnerableImages), each only when the policy
 * has a rule for it.
 *
 * @throws Error from either builder when a rule's parameters are invalid. Nothing is built then, not even the
 * other kind: the SDK keeps what exists and reports the error as the policy's BuildFailed condition.
 */
export function buildClairPolicies(policy: NimbusPolicy, context: BuildContext): DesiredObject[] {
  return [...buildImageScanPolicies(policy, context), ...buildImageAdmissionPolicies(policy, context)];
}

/**
 * The Clair adapter's policies: an ImageScanPolicy for each NimbusPolicy with a vulnerabilityScanning rule, and
 * an ImageAdmissionPolicy for each with an admission rule. The SDK does the rest (ownership, drift repair,
 * cleanup, the NimbusPolicy's status); the scanner reads the ImageScanPolicies and the admission webhook the
 * ImageAdmissionPolicies. There is no cluster-wide kind: the core operator turns a ClusterSecurityIntentBinding
 * into one NimbusPolicy per namespace, and reports are per namespace anyway.
 */
export const clairScanDeclaration: AdapterDeclaration = {
  name: 'clair',
  intents: [...CLAIR_SCAN_INTENTS, ...CLAIR_ADMISSION_INTENTS],
  kinds: [IMAGE_SCAN_POLICIES, IMAGE_ADMISSION_POLICIES],
  build: buildClairPolicies,
};
