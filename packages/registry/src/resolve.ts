/**
 * From the digest a pod runs to the single-platform image manifest Clair indexes: an index (manifest list)
 * digest is narrowed to the node's platform, a manifest digest stays what it is. The result lists the
 * layers Clair must fetch.
 */
import { type Descriptor, IMAGE_CONFIG_MEDIA_TYPES, isIndexMediaType } from './manifest-document.js';
import { formatPlatform, normalizePlatform, type Platform, selectPlatformManifest } from './platform.js';
import type { RegistryClient } from './registry-client.js';
import { RegistryError } from './registry-error.js';

/** One layer blob of a resolved image. */
export interface ResolvedLayer {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** A pod's image, narrowed to what the node runs. */
export interface ResolvedImage {
  readonly registry: string;
  readonly repository: string;
  /** The digest of the index the pod's digest named, when it named one. */
  readonly indexDigest?: string;
  /** The single-platform image manifest: what Clair indexes and reports by. */
  readonly manifestDigest: string;
  readonly mediaType: string;
  /** The image's platform as the index entry (or else the image config) spells it. */
  readonly platform: Platform;
  readonly config: ResolvedLayer;
  /** Layer blobs, bottom first. */
  readonly layers: readonly ResolvedLayer[];
}

/** What to resolve. */
export interface ResolveTarget {
  /** Only the repository and digest count; `registry` must be the client's. */
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
}

/** Options of {@link resolveImage}. */
export interface ResolveOptions {
  /** The node's platform (see {@link nodePlatform}); default linux/amd64. */
  readonly platform?: Platform;
}

/** Indexes may nest (an index entry that is itself an index); deeper than this is not followed. */
const MAX_INDEX_DEPTH = 2;

const layerOf = (d: Descriptor): ResolvedLayer => ({
  digest: d.digest,
  mediaType: d.mediaType,
  size: d.size,
});

/**
 * Resolves `target.digest` through `client` (which holds the credentials for its registry) to the image
 * manifest for `options.platform`. For a manifest that is not in an index, the platform is read from the
 * image config (one small blob GET) so the result always says what it is.
 *
 * @throws {@link RegistryError}: from the registry (see {@link RegistryClient.getManifest}); `not-found`
 * when an index has no manifest for the platform (naming the platforms it has); `protocol` when the
 * digest names something that is not a container image (a Helm chart, a signature).
 */
export async function resolveImage(
  client: RegistryClient,
  target: ResolveTarget,
  options: ResolveOptions = {},
): Promise<ResolvedImage> {
  const wanted = normalizePlatform(options.platform ?? { os: 'linux', architecture: 'amd64' });
  const image = `${target.registry}/${target.repository}@${target.digest}`;
  let fetched = await client.getManifest(target.repository, target.digest, image);
  let indexDigest: string | undefined;
  let platform: Platform | undefined;
  for (let depth = 0; fetched.document.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) {
      throw new RegistryError(`${image}: indexes nest deeper than ${MAX_INDEX_DEPTH} levels`, {
        kind: 'protocol',
        registry: target.registry,
        image,
      });
    }
    indexDigest ??= fetched.digest;
    const entry = selectPlatformManifest(fetched.document.manifests, wanted);
    if (!entry) {
      const offered = fetched.document.manifests.flatMap((m) =>
        m.platform ? [formatPlatform(m.platform)] : [],
      );
      throw new RegistryError(
        `${image}: the image has no ${formatPlatform(wanted)} manifest (it has ${offered.join(', ') || 'none with a platform'})`,
        { kind: 'not-found', registry: target.registry, image },
      );
    }
    if (entry.platform && !isIndexMediaType(entry.mediaType)) platform = entry.platform;
    fetched = await client.getManifest(
      target.repository,
      entry.digest,
      `${image} (${formatPlatform(wanted)})`,
    );
  }
  const { document } = fetched;
  if (!IMAGE_CONFIG_MEDIA_TYPES.has(document.config.mediaType)) {
    throw new RegistryError(
      `${image}: not a container image (its config is ${document.config.mediaType}); nothing for Clair to scan`,
      { kind: 'protocol', registry: target.registry, image },
    );
  }
  platform ??= await configPlatform(client, target.repository, document.config.digest, image);
  return {
    registry: target.registry,
    repository: target.repository,
    ...(indexDigest !== undefined ? { indexDigest } : {}),
    manifestDigest: fetched.digest,
    mediaType: fetched.mediaType,
    platform,
    config: layerOf(document.config),
    layers: document.layers.map(layerOf),
  };
}

/** The platform an image config declares (`os`, `architecture`, `variant`). */
async function configPlatform(
  client: RegistryClient,
  repository: string,
  digest: string,
  image: string,
): Promise<Platform> {
  const bytes = await client.getBlob(repository, digest);
  let config: { os?: unknown; architecture?: unknown; variant?: unknown };
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new RegistryError(`${image}: the image config is not JSON`, {
      kind: 'protocol',
      registry: client.registry,
      image,
      cause: err,
    });
  }
  if (typeof config.os !== 'string' || typeof config.architecture !== 'string') {
    throw new RegistryError(`${image}: the image config names no os and architecture`, {
      kind: 'protocol',
      registry: client.registry,
      image,
    });
  }
  return {
    os: config.os,
    architecture: config.architecture,
    ...(typeof config.variant === 'string' && config.variant ? { variant: config.variant } : {}),
  };
}
