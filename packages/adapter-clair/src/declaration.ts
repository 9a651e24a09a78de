/**
 * `@nimbus-ts/adapter-clair/declaration`: the Clair adapter's declaration and its pure builder, and nothing of
 * the scanner or the registry and Clair clients. Tools that only build or describe ImageScanPolicies — `nimbus
 * render`, `validate` and `status` — load this entry point; its default export is the declaration, as `nimbus
 * --adapter` expects.
 *
 * @packageDocumentation
 */
import { clairScanDeclaration } from './adapter.js';

export { IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';
export { clairScanDeclaration } from './adapter.js';
export { buildImageScanPolicies } from './build/image-scan-policy.js';

/** The Clair adapter's declaration (the same object as {@link clairScanDeclaration}). */
export default clairScanDeclaration;
