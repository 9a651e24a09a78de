/**
 * `@nimbus-ts/adapter-admission/declaration`: the admission adapter's declaration and its pure builder, and
 * nothing of the webhook. Tools that only build or describe ImageAdmissionPolicies — `nimbus render`, `validate`
 * and `status` — load this entry point; its default export is the declaration, as `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { admissionDeclaration } from './adapter.js';

export { IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
export { admissionDeclaration } from './adapter.js';
export { buildImageAdmissionPolicies } from './build/image-admission-policy.js';

/** The admission adapter's declaration (the same object as {@link admissionDeclaration}). */
export default admissionDeclaration;
