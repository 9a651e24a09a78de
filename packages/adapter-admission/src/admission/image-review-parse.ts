/**
 * Reads an ImageReview (imagepolicy.k8s.io/v1alpha1), what the apiserver's ImagePolicyWebhook admission
 * plugin sends for Pods.
 *
 * An ImageReview carries the images of every container (init and ephemeral included, undistinguished), the
 * namespace and `*.image-policy.k8s.io/*` annotations, but no pod labels, container names, pull secrets or
 * ServiceAccount. So on this path every policy of the namespace applies, whatever its selector (leaving
 * one out would admit what it means to stop), messages name images without containers, and the scanner
 * gets no credentials from the pod.
 */
import type { AdmissionInput, ReviewedImage } from './admission-input.js';
import { arrayAt, isJsonObject, objectAt, stringAt } from './json.js';

/** The ImageReview version the apiserver sends. */
export const IMAGE_REVIEW_API_VERSION = 'imagepolicy.k8s.io/v1alpha1';

/** What an ImageReview body amounts to. */
export type ParsedImageReview =
  /** Not an ImageReview: answer HTTP 400 (the apiserver then applies `defaultAllow`). */
  | { readonly outcome: 'invalid'; readonly message: string }
  /** Images to check. */
  | { readonly outcome: 'check'; readonly input: AdmissionInput };

/** Reads a parsed ImageReview body; never throws, whatever `body` is. */
export function parseImageReview(body: unknown): ParsedImageReview {
  if (!isJsonObject(body)) return invalid('the body is not a JSON object');
  const apiVersion = stringAt(body, 'apiVersion');
  if (apiVersion !== IMAGE_REVIEW_API_VERSION) {
    return invalid(
      `apiVersion must be ${IMAGE_REVIEW_API_VERSION}, got ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  const kind = stringAt(body, 'kind');
  if (kind !== 'ImageReview') return invalid(`kind must be ImageReview, got ${JSON.stringify(kind ?? null)}`);
  const spec = objectAt(body, 'spec');
  if (spec === undefined) return invalid('spec is missing: an ImageReview carries one');

  const images: ReviewedImage[] = [];
  const containers = arrayAt(spec, 'containers');
  for (let i = 0; i < containers.length; i++) {
    const container = containers[i];
    const image = isJsonObject(container) ? stringAt(container, 'image') : undefined;
    if (image === undefined) return invalid(`spec.containers[${i}].image is not a string`);
    images.push({ image });
  }
  const namespace = stringAt(spec, 'namespace') ?? '';
  return {
    outcome: 'check',
    input: {
      namespace,
      images,
      pullSecrets: [],
      subject: { kind: 'Pod', group: '', namespace },
      dryRun: false,
    },
  };
}

function invalid(message: string): ParsedImageReview {
  return { outcome: 'invalid', message };
}
