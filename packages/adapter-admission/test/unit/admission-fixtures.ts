// Builders for admission unit tests: AdmissionReview and ImageReview bodies, pods and policies written the
// way the apiserver and the CRD write them, with only what a test changes spelled out.
import type { ImageAdmissionPolicyView } from '../../src/admission/index.js';

/** A pod spec's containers by list. */
export interface Containers {
  readonly containers?: readonly { name: string; image?: unknown }[];
  readonly initContainers?: readonly { name: string; image?: unknown }[];
  readonly ephemeralContainers?: readonly { name: string; image?: unknown }[];
}

/** A Pod object running `images` in containers c0, c1, … */
export function pod(images: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web' } },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })), ...extra },
  };
}

/** The `request` of an AdmissionReview; `overrides` replace fields. */
export function admissionRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    subResource: '',
    name: 'web-0',
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: { username: 'alice', groups: ['system:authenticated'] },
    object: pod(['nginx:1.27']),
    oldObject: null,
    dryRun: false,
    ...overrides,
  };
}

/** An AdmissionReview v1 body around `request`. */
export function admissionReview(
  request: Record<string, unknown> = admissionRequest(),
): Record<string, unknown> {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** An ImageReview body for `images` in `namespace`. */
export function imageReview(images: readonly string[], namespace = 'shop'): Record<string, unknown> {
  return {
    apiVersion: 'imagepolicy.k8s.io/v1alpha1',
    kind: 'ImageReview',
    spec: { containers: images.map((image) => ({ image })), annotations: {}, namespace },
  };
}

/** A policy in namespace `shop` with the given rules; uid and generation make it cacheable. */
export function policy(
  name: string,
  spec: Partial<ImageAdmissionPolicyView['spec']>,
  metadata: Partial<ImageAdmissionPolicyView['metadata']> = {},
): ImageAdmissionPolicyView {
  return {
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1, ...metadata },
    spec: { selector: {}, ...spec },
  };
}
