import type { PushedImage } from './image-push.js';

/** A layer of Clair's Manifest: where the indexer GETs the blob, with exactly these headers. */
export interface ClairLayer {
  readonly hash: string;
  readonly uri: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly media_type: string;
}

/** The body of `POST /indexer/api/v1/index_report` (claircore's Manifest JSON). */
export interface ClairManifest {
  /** The image manifest digest; Clair reports and notifies by it. */
  readonly hash: string;
  readonly layers: readonly ClairLayer[];
}

/** Options of {@link clairManifest}. */
export interface ClairManifestOptions {
  /** Which platform of a multi-platform image; default the first pushed. */
  readonly architecture?: string;
  /**
   * Headers Clair sends with every layer GET, e.g. `{ Authorization: ['Bearer <registry token>'] }`. Clair has
   * no registry credentials of its own: the client resolves the token and hands it over here.
   */
  readonly headers?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The Clair Manifest of a pushed test image: the platform manifest's digest as `hash`, and one layer per blob
 * with the registry's blob URL (`<registry>/v2/<repository>/blobs/<digest>`) — what `clairctl manifest`
 * produces for a registry that does not redirect blob downloads.
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
  const origin = registryUrl.replace(/\/+$/, '');
  return {
    hash: manifest.digest,
    layers: manifest.layers.map((layer) => ({
      hash: layer.digest,
      uri: `${origin}/v2/${image.repository}/blobs/${layer.digest}`,
      headers: options.headers ?? {},
      media_type: layer.mediaType,
    })),
  };
}
