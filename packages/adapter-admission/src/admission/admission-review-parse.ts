/**
 * Reads an AdmissionReview (admission.k8s.io/v1) from a ValidatingAdmissionWebhook call into the images to
 * check.
 *
 * What is checked on UPDATE: when no container image changed (same images, same containers, same order),
 * nothing is checked and the request is allowed. Such updates are labels, annotations, finalizers, replica
 * counts: denying them because of an image admitted before a policy existed would break the controllers that
 * make them (the Job controller removes its tracking finalizer from pods; ReplicaSets adopt and release pods
 * by labels) and would leave deletions stuck. Images already running are the scanner's business, not
 * admission's. When any image changed, every image of the new object is checked, not only the changed ones,
 * as Kyverno does: the decision is about what will run, an UPDATE gets the same answer as a CREATE of the
 * same object, and the user learns about every problem in one round.
 */
import type { AdmissionInput, ReviewedImage } from './admission-input.js';
import { isJsonObject, type JsonObject, objectAt, stringAt } from './json.js';
import {
  imagesOfPodSpec,
  podTemplateAt,
  podTemplatePath,
  pullSecretsOfPodSpec,
  serviceAccountOfPodSpec,
} from './pod-template.js';

/** The only AdmissionReview version served; list just this one in the webhook's `admissionReviewVersions`. */
export const ADMISSION_REVIEW_API_VERSION = 'admission.k8s.io/v1';

/** What an AdmissionReview body amounts to. */
export type ParsedAdmissionReview =
  /** Not an AdmissionReview v1 with a uid: answer HTTP 400, there is no uid to echo. */
  | { readonly outcome: 'invalid'; readonly message: string }
  /** Nothing to check (DELETE, another kind, a subresource, an update that changes no image): allow. */
  | { readonly outcome: 'skip'; readonly uid: string; readonly reason: string }
  /** A review whose object cannot be read: refuse it in the review, echoing the uid. */
  | { readonly outcome: 'malformed'; readonly uid: string; readonly message: string }
  /** Images to check. */
  | { readonly outcome: 'check'; readonly uid: string; readonly input: AdmissionInput };

/** Subresources that change what a pod runs; every other one (status, binding, resize, …) is let through. */
const POD_SUBRESOURCES_CHECKED = new Set(['', 'ephemeralcontainers']);

/** Reads a parsed AdmissionReview body; never throws, whatever `body` is. */
export function parseAdmissionReview(body: unknown): ParsedAdmissionReview {
  if (!isJsonObject(body)) return invalid('the body is not a JSON object');
  const apiVersion = stringAt(body, 'apiVersion');
  if (apiVersion !== ADMISSION_REVIEW_API_VERSION) {
    return invalid(
      `apiVersion must be ${ADMISSION_REVIEW_API_VERSION}, got ${JSON.stringify(apiVersion ?? null)}; ` +
        `set admissionReviewVersions: ["v1"] in the ValidatingWebhookConfiguration`,
    );
  }
  const kind = stringAt(body, 'kind');
  if (kind !== 'AdmissionReview') {
    return invalid(`kind must be AdmissionReview, got ${JSON.stringify(kind ?? null)}`);
  }
  const request = objectAt(body, 'request');
  if (request === undefined) return invalid('request is missing: an AdmissionReview call carries one');
  const uid = stringAt(request, 'uid');
  if (!uid) return invalid('request.uid is missing: the response must echo it');

  const operation = stringAt(request, 'operation') ?? '';
  if (operation !== 'CREATE' && operation !== 'UPDATE') {
    return { outcome: 'skip', uid, reason: `operation ${operation || '(none)'} runs no new image` };
  }
  const requestKind = objectAt(request, 'kind') ?? {};
  const group = stringAt(requestKind, 'group') ?? '';
  const objectKind = stringAt(requestKind, 'kind') ?? '';
  const path = podTemplatePath(group, objectKind);
  const what = group === '' ? objectKind : `${objectKind}.${group}`;
  if (path === undefined) return { outcome: 'skip', uid, reason: `${what || 'this kind'} holds no pod` };
  const subResource = stringAt(request, 'subResource') ?? '';
  const checked = path.length === 0 ? POD_SUBRESOURCES_CHECKED.has(subResource) : subResource === '';
  if (!checked) return { outcome: 'skip', uid, reason: `subresource ${subResource} changes no image` };

  const object = objectAt(request, 'object');
  if (object === undefined) {
    return { outcome: 'malformed', uid, message: `request.object of this ${what} ${operation} is missing` };
  }
  const template = podTemplateAt(object, path);
  if (template === undefined) {
    return { outcome: 'malformed', uid, message: `this ${what} has no pod template at ${path.join('.')}` };
  }
  const images = imagesOfPodSpec(template.spec);
  if (operation === 'UPDATE') {
    const before = imagesBefore(request, path);
    if (before !== undefined && sameImages(images, before)) {
      return { outcome: 'skip', uid, reason: 'the update changes no image' };
    }
  }

  const metadata = objectAt(object, 'metadata') ?? {};
  const namespace = stringAt(request, 'namespace') || stringAt(metadata, 'namespace') || '';
  const name =
    stringAt(request, 'name') || stringAt(metadata, 'name') || stringAt(metadata, 'generateName') || '';
  return {
    outcome: 'check',
    uid,
    input: {
      namespace,
      // A pod without labels has known, empty labels: a policy with matchLabels does not select it.
      labels: template.labels ?? {},
      images,
      pullSecrets: pullSecretsOfPodSpec(template.spec),
      serviceAccountName: serviceAccountOfPodSpec(template.spec),
      subject: { kind: objectKind, group, namespace, ...(name ? { name } : {}) },
      dryRun: request.dryRun === true,
    },
  };
}

function invalid(message: string): ParsedAdmissionReview {
  return { outcome: 'invalid', message };
}

/** The images of `oldObject`, or undefined when it cannot be read (then everything is checked). */
function imagesBefore(request: JsonObject, path: readonly string[]): ReviewedImage[] | undefined {
  const oldObject = objectAt(request, 'oldObject');
  const template = oldObject === undefined ? undefined : podTemplateAt(oldObject, path);
  return template === undefined ? undefined : imagesOfPodSpec(template.spec);
}

function sameImages(after: readonly ReviewedImage[], before: readonly ReviewedImage[]): boolean {
  if (after.length !== before.length) return false;
  return after.every((image, i) => {
    const old = before[i];
    return (
      old !== undefined &&
      old.image === image.image &&
      old.container === image.container &&
      old.source === image.source
    );
  });
}
