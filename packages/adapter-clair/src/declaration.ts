/**
 * `@nimbus-ts/adapter-clair/declaration`: the Clair adapter's declaration and its pure builders, and nothing
 * of the scanner, the registry and Clair clients or the admission webhook. Tools that only build or describe
 * ImageScanPolicies and ImageAdmissionPolicies — `nimbus render`, `validate` and `status` — load this entry
 * point; its default export is the declaration, as `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { clairScanDeclaration } from './adapter.js';

export { buildClairPolicies, clairScanDeclaration } from './adapter.js';
export { IMAGE_ADMISSION_POLICIES, IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';

/** The Clair adapter's declaration (the same object as {@link clairScanDeclaration}). */
export default clairScanDeclaration;
