/**
 * What Clair needs to download each layer of an image. Clair has no registry credentials of its own: it
 * does a plain GET of each layer's URL with exactly the headers it is handed. So the adapter hands it the
 * registry's blob URL and, when the registry wants one, an `Authorization` header — minted right before
 * the index request, because registry tokens live minutes and Clair fetches during that request.
 */
import { pullScope, type RegistryClient } from './registry-client.js';
import type { ResolvedImage } from './resolve.js';

/** Headers in Clair's form (Go's `http.Header`): each name maps to its values. */
export type ClairHeaders = Readonly<Record<string, readonly string[]>>;

/** Where and how to GET one layer blob. */
export interface LayerAccess {
  readonly digest: string;
  readonly mediaType: string;
  /**
   * The registry's blob URL, `<origin>/v2/<repository>/blobs/<digest>`. Not the URL a redirect leads to:
   * Clair follows redirects itself (dropping `Authorization` when they leave the registry's host), and a
   * pre-signed CDN URL would expire sooner than the registry's own.
   */
  readonly uri: string;
  readonly headers: ClairHeaders;
}

/** Options of {@link layerAccess}. */
export interface LayerAccessOptions {
  /** Reuse a cached token instead of minting one; default false (a fresh token has its full lifetime). */
  readonly reuseToken?: boolean;
}

/**
 * The blob URL and headers of every layer of `image`, from the client that resolved it (same registry,
 * same credentials). One token (or Basic header) covers every layer, since they are in one repository.
 * When the client has not learnt the registry's authentication yet, it asks by requesting the first blob.
 *
 * @throws {@link RegistryError} when no token can be had (see {@link RegistryClient.authorization}), or
 * `not-found` naming the image, the layer and the registry when the registry has lost the first layer.
 */
export async function layerAccess(
  client: RegistryClient,
  image: ResolvedImage,
  options: LayerAccessOptions = {},
): Promise<LayerAccess[]> {
  const first = image.layers[0];
  const authorization = await client.authorization(pullScope(image.repository), {
    fresh: !options.reuseToken,
    ...(first
      ? {
          probeBlob: {
            repository: image.repository,
            digest: first.digest,
            image: `${image.registry}/${image.repository}@${image.manifestDigest}`,
          },
        }
      : {}),
  });
  const headers: ClairHeaders = authorization ? { Authorization: [authorization] } : {};
  return image.layers.map((layer) => ({
    digest: layer.digest,
    mediaType: layer.mediaType,
    uri: client.blobUrl(image.repository, layer.digest),
    headers,
  }));
}
