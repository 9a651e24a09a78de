import type { ClairManifest } from '@nimbus-ts/clair-client';
import { buildClairManifest } from '@nimbus-ts/clair-client';
import type { ClairHeaders } from '@nimbus-ts/registry';
import { blobUrl } from '@nimbus-ts/registry';
import type { PushedImage } from './image-push.js';

export type { ClairLayer, ClairManifest } from '@nimbus-ts/clair-client';

/** Options of {@link clairManifest}. */
export interface ClairManifestOptions {
  /** Which platform of a multi-platform image; default the first pushed. */
  readonly architecture?: string;
  /**
   * Headers Clair sends with every layer GET, e.g. `{ Authorization: ['Bearer <registry token>'] }`. Clair has
   * no registry credentials of its own: the client resolves the token and hands it over here.
   */
  readonly headers?: ClairHeaders;
}

/**
 * The Clair Manifest of a pushed test image without going through the registry: the harness already knows
 * the digests, so this skips the adapter's resolution and feeds the adapter's own manifest builder
 * (`buildClairManifest`) with the registry's blob URLs and the given headers. Tests that exercise
 * resolution and token minting use `resolveImage` and `layerAccess` instead.
 *
 * @param registryUrl - origin Clair can reach the registry at, e.g. `registry.url`.
 */
export function clairManifest(
  registryUrl: string,
  image: PushedImage,
  options: ClairManifestOptions = {},
): ClairManifest {
  const manifest = options.architecture ? image.manifestFor(options.architecture) : image.manifests[0];
  if (!manifest) throw new Error(`${image.reference} has no manifests`);
  const headers = options.headers ?? {};
  return buildClairManifest(
    { manifestDigest: manifest.digest, layers: manifest.layers },
    manifest.layers.map((layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      uri: blobUrl(registryUrl, image.repository, layer.digest),
      headers,
    })),
  );
}
