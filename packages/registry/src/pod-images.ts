/**
 * The images a Pod actually runs. The spec names images by mutable tags; what the node pulled is in the
 * container statuses as `imageID`, a digest. Scanning must follow the digest: a tag can move between the
 * pull and the scan, and a report about the wrong image is worse than none.
 */
import {
  type ImageReference,
  InvalidImageReferenceError,
  parseImageReference,
  withDigest,
} from './image-reference.js';

/** The parts of a container in a Pod spec this module reads. */
export interface ContainerLike {
  readonly name: string;
  readonly image?: string;
}

/** The parts of a container status this module reads. */
export interface ContainerStatusLike {
  readonly name: string;
  /** The image as the runtime reports it, e.g. `docker.io/library/nginx:1.25`. */
  readonly image?: string;
  /** What the runtime pulled: `docker-pullable://repo@sha256:…`, `repo@sha256:…`, `sha256:…`, … */
  readonly imageID?: string;
}

/** The parts of a Pod this module reads; a `V1Pod` from any client fits. */
export interface PodLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly containers?: readonly ContainerLike[];
    readonly initContainers?: readonly ContainerLike[];
    readonly ephemeralContainers?: readonly ContainerLike[];
    readonly imagePullSecrets?: readonly { readonly name?: string }[];
    readonly serviceAccountName?: string;
    readonly nodeName?: string;
  };
  readonly status?: {
    readonly containerStatuses?: readonly ContainerStatusLike[];
    readonly initContainerStatuses?: readonly ContainerStatusLike[];
    readonly ephemeralContainerStatuses?: readonly ContainerStatusLike[];
  };
}

/** Which list of the Pod spec a container is in. */
export type ContainerKind = 'container' | 'init' | 'ephemeral';

/** One container's image, pinned to the digest the node pulled. */
export interface PodImage {
  readonly container: string;
  readonly kind: ContainerKind;
  /** The image as written in the spec, e.g. `nginx:1.25`. */
  readonly specImage: string;
  /** The pulled image: the repository it came from, pinned to {@link digest}, with no tag. */
  readonly reference: ImageReference;
  /** The registry digest the runtime pulled by; for a multi-arch image usually the index digest. */
  readonly digest: string;
  /** Where the digest came from: the container status (normal case) or a digest pinned in the spec. */
  readonly source: 'status' | 'spec';
}

/** A container whose image cannot be scanned by digest, and why. */
export interface SkippedImage {
  readonly container: string;
  readonly kind: ContainerKind;
  readonly specImage: string;
  readonly reason: string;
}

/** Everything about a Pod's images that scanning needs. */
export interface PodImages {
  readonly images: readonly PodImage[];
  readonly skipped: readonly SkippedImage[];
  /** Names of the Pod's `imagePullSecrets`, in order: the first place to look for registry credentials. */
  readonly pullSecrets: readonly string[];
  /** The ServiceAccount whose `imagePullSecrets` are the second place; `default` when unset. */
  readonly serviceAccountName: string;
  /** The node the Pod is scheduled to, whose platform picks the manifest of a multi-arch image. */
  readonly nodeName?: string;
}

/** The ways a runtime spells `imageID`, reduced to what it means. */
type ParsedImageId =
  | { readonly kind: 'repo-digest'; readonly reference: ImageReference; readonly digest: string }
  | { readonly kind: 'bare-digest'; readonly digest: string }
  | { readonly kind: 'local-id' }
  | { readonly kind: 'invalid'; readonly reason: string };

const DOCKER_PULLABLE = 'docker-pullable://';
const DOCKER_LOCAL = 'docker://';
const BARE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Reads a container status `imageID`:
 * - `docker-pullable://repo@sha256:…` (dockershim, cri-dockerd) and `repo@sha256:…` (containerd, CRI-O)
 *   name the repository and digest the image was pulled by;
 * - bare `sha256:…` carries no repository, so the spec image's repository is assumed;
 * - `docker://sha256:…` is Docker's local image ID (a config digest, not anything a registry serves).
 */
function parseImageId(imageId: string): ParsedImageId {
  if (imageId.startsWith(DOCKER_LOCAL)) return { kind: 'local-id' };
  const id = imageId.startsWith(DOCKER_PULLABLE) ? imageId.slice(DOCKER_PULLABLE.length) : imageId;
  if (BARE_DIGEST.test(id)) return { kind: 'bare-digest', digest: id };
  try {
    const reference = parseImageReference(id);
    if (reference.digest === undefined) {
      return { kind: 'invalid', reason: `imageID "${imageId}" has no digest` };
    }
    const digest = reference.digest;
    return { kind: 'repo-digest', reference: withDigest(reference, digest), digest };
  } catch (err) {
    if (!(err instanceof InvalidImageReferenceError)) throw err;
    return { kind: 'invalid', reason: `imageID "${imageId}" is not an image reference: ${err.reason}` };
  }
}

function resolveContainer(
  container: ContainerLike,
  kind: ContainerKind,
  status: ContainerStatusLike | undefined,
): PodImage | SkippedImage {
  const specImage = container.image ?? '';
  const skip = (reason: string): SkippedImage => ({ container: container.name, kind, specImage, reason });
  let spec: ImageReference;
  try {
    spec = parseImageReference(specImage);
  } catch (err) {
    if (!(err instanceof InvalidImageReferenceError)) throw err;
    return skip(`the spec image is not a valid reference: ${err.reason}`);
  }
  const pinned = (reference: ImageReference, digest: string, source: PodImage['source']): PodImage => ({
    container: container.name,
    kind,
    specImage,
    reference,
    digest,
    source,
  });

  const imageId = status?.imageID ?? '';
  if (imageId === '') {
    // Not pulled yet (Pending, ImagePullBackOff): only a digest written in the spec is safe to use.
    if (spec.digest !== undefined) return pinned(withDigest(spec, spec.digest), spec.digest, 'spec');
    return skip('the container has no imageID yet (image not pulled); the tag alone is not scanned');
  }
  const parsed = parseImageId(imageId);
  switch (parsed.kind) {
    case 'repo-digest':
      return pinned(parsed.reference, parsed.digest, 'status');
    case 'bare-digest':
      return pinned(withDigest(spec, parsed.digest), parsed.digest, 'status');
    case 'local-id':
      if (spec.digest !== undefined) return pinned(withDigest(spec, spec.digest), spec.digest, 'spec');
      return skip(
        `imageID "${imageId}" is a local image ID, not a registry digest (the image was built or loaded on the node)`,
      );
    case 'invalid':
      return skip(parsed.reason);
  }
}

/**
 * Lists every image a Pod runs — regular, init and ephemeral containers — each joined by container name
 * with its status and pinned to the digest the runtime pulled. Containers that cannot be pinned (not pulled
 * yet, local image IDs, unparseable names) are listed in `skipped` with the reason; the mutable tag is
 * never used in their place. Also returns where registry credentials come from (pull secrets, then the
 * ServiceAccount's) and the node whose platform selects the manifest.
 */
export function podImages(pod: PodLike): PodImages {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const lists: readonly [ContainerKind, readonly ContainerLike[], readonly ContainerStatusLike[]][] = [
    ['init', spec.initContainers ?? [], status.initContainerStatuses ?? []],
    ['container', spec.containers ?? [], status.containerStatuses ?? []],
    ['ephemeral', spec.ephemeralContainers ?? [], status.ephemeralContainerStatuses ?? []],
  ];
  const images: PodImage[] = [];
  const skipped: SkippedImage[] = [];
  for (const [kind, containers, statuses] of lists) {
    // Names are unique within a Pod across all three lists, but statuses are matched within their own.
    const byName = new Map(statuses.map((s) => [s.name, s]));
    for (const container of containers) {
      const result = resolveContainer(container, kind, byName.get(container.name));
      if ('reason' in result) skipped.push(result);
      else images.push(result);
    }
  }
  return {
    images,
    skipped,
    pullSecrets: (spec.imagePullSecrets ?? []).map((s) => s.name ?? '').filter((name) => name !== ''),
    serviceAccountName: spec.serviceAccountName || 'default',
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
  };
}
