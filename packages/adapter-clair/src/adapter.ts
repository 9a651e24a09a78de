import type { AdapterDeclaration } from '@nimbus-ts/k8s';
import { IMAGE_SCAN_POLICIES } from './api/constants.js';
import { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from './build/image-scan-policy.js';

/**
 * The Clair adapter's scan policies: an ImageScanPolicy for each NimbusPolicy with a vulnerabilityScanning
 * rule. The SDK does the rest (ownership, drift repair, cleanup, the NimbusPolicy's status); the scanner reads
 * the ImageScanPolicies. There is no cluster-wide kind: the core operator turns a ClusterSecurityIntentBinding
 * into one NimbusPolicy per namespace, and reports are per namespace anyway.
 */
export const clairScanDeclaration: AdapterDeclaration = {
  name: 'clair',
  intents: CLAIR_SCAN_INTENTS,
  kinds: [IMAGE_SCAN_POLICIES],
  build: buildImageScanPolicies,
};
