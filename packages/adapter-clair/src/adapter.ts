import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';
import { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from './build/image-scan-policy.js';

/**
 * The Clair adapter's policies: an ImageScanPolicy for each NimbusPolicy with a vulnerabilityScanning rule. The
 * SDK does the rest (ownership, drift repair, cleanup, the NimbusPolicy's status); the scanner reads the
 * ImageScanPolicies. There is no cluster-wide kind: the core operator turns a ClusterSecurityIntentBinding into
 * one NimbusPolicy per namespace, and reports are per namespace anyway. Admission rules are the admission
 * adapter's (`@nimbus-ts/adapter-admission`).
 */
export const clairScanDeclaration: AdapterDeclaration = {
  name: 'clair',
  intents: [...CLAIR_SCAN_INTENTS],
  kinds: [IMAGE_SCAN_POLICIES],
  build: buildImageScanPolicies,
};
