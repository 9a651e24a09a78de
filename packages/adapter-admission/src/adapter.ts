import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import { ADMISSION_INTENTS, buildImageAdmissionPolicies } from './build/image-admission-policy.js';

/**
 * The admission adapter's policies: an ImageAdmissionPolicy for each NimbusPolicy with an admission rule
 * (disallowLatestTag, allowedRegistries, blockVulnerableImages). The SDK does the rest (ownership, drift repair,
 * cleanup, the NimbusPolicy's status); the webhook in the same process enforces the ImageAdmissionPolicies.
 */
export const admissionDeclaration: AdapterDeclaration = {
  name: 'admission',
  intents: [...ADMISSION_INTENTS],
  kinds: [IMAGE_ADMISSION_POLICIES],
  build: buildImageAdmissionPolicies,
};
