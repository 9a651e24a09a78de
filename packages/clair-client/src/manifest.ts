/**
 * The Manifest Clair's indexer takes, built from a resolved image and the access to its layers — what
 * `clairctl manifest` produces, minus its habit of recording a redirect's pre-signed URL.
 */
import type { LayerAccess, ResolvedImage } from '@nimbus-ts/registry';
import type { ClairManifest } from './api-types.js';

/**
 * The Clair Manifest of `image`: `hash` is the single-platform manifest digest (the key Clair reports
 * and notifies by — never the index digest, so an image is known by one hash whichever index led to it),
 * and one layer per blob, in the image's order, with its URL, headers and media type.
 *
 * @throws an `Error` when the image has no layers (Clair would refuse it as bogus) or `layers` lacks one
 * of the image's layers.
 */
export function buildClairManifest(
  image: Pick<ResolvedImage, 'manifestDigest' | 'layers'>,
  layers: readonly LayerAccess[],
): ClairManifest {
  if (image.layers.length === 0) throw new Error(`image ${image.manifestDigest} has no layers to index`);
  const access = new Map(layers.map((l) => [l.digest, l]));
  return {
    hash: image.manifestDigest,
    layers: image.layers.map((layer) => {
      const found = access.get(layer.digest);
      if (!found) throw new Error(`no access to layer ${layer.digest} of ${image.manifestDigest}`);
      return {
        hash: layer.digest,
        uri: found.uri,
        headers: found.headers,
        media_type: layer.mediaType,
      };
    }),
  };
}
