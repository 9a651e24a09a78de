import type { ResourceType } from '@nimbus-ts/k8s';
import type { ScanningObject } from './generated.js';

/** The API group of the Clair adapter's own kinds. */
export const SCANNING_GROUP = 'scanning.nimbus-ts.io';

/** The only version of the group, both served and stored. */
export const SCANNING_VERSION = 'v1alpha1';

/** The `apiVersion` every object of these kinds carries. */
export const SCANNING_API_VERSION = `${SCANNING_GROUP}/${SCANNING_VERSION}` as const;

/** A ResourceType of one of the kinds in crds/, keeping its literal kind. */
type ScanningResource<K extends ScanningObject['kind']> = ResourceType & {
  readonly apiVersion: typeof SCANNING_API_VERSION;
  readonly kind: K;
};

/**
 * The namespaced ImageScanPolicy kind: the engine-native policy the Clair adapter builds from a NimbusPolicy's
 * vulnerabilityScanning rule.
 */
export const IMAGE_SCAN_POLICIES = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'ImageScanPolicy',
  plural: 'imagescanpolicies',
  namespaced: true,
} as const satisfies ScanningResource<'ImageScanPolicy'>;

/**
 * The namespaced ImageAdmissionPolicy kind: the image checks the admission webhook applies to a namespace's pods,
 * which the Clair adapter builds from a NimbusPolicy's admission rules.
 */
export const IMAGE_ADMISSION_POLICIES = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'ImageAdmissionPolicy',
  plural: 'imageadmissionpolicies',
  namespaced: true,
} as const satisfies ScanningResource<'ImageAdmissionPolicy'>;

/** The namespaced VulnerabilityReport kind: one per image digest that pods of a namespace run. */
export const VULNERABILITY_REPORTS = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'VulnerabilityReport',
  plural: 'vulnerabilityreports',
  namespaced: true,
} as const satisfies ScanningResource<'VulnerabilityReport'>;

/**
 * Every kind defined in crds/, keyed by kind. The `satisfies` clause makes a kind added to the CRDs a compile
 * error here until it is listed, and the unit tests check plural and scope against the CRD files.
 */
export const SCANNING_RESOURCES = {
  ImageAdmissionPolicy: IMAGE_ADMISSION_POLICIES,
  ImageScanPolicy: IMAGE_SCAN_POLICIES,
  VulnerabilityReport: VULNERABILITY_REPORTS,
} as const satisfies { readonly [K in ScanningObject['kind']]: ScanningResource<K> };
