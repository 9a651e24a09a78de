/**
 * Parses each reviewed image once, so that the rules, the scanner request and the cache key all work from
 * the same normalised reference (`nginx` is `docker.io/library/nginx:latest`).
 */
import { type ImageReference, InvalidImageReferenceError, parseImageReference } from '@nimbus-ts/registry';
import type { ReviewedImage } from './admission-input.js';

/** A reviewed image with its parsed reference, or why it has none. */
export type ResolvedImage = ReviewedImage &
  (
    | { readonly reference: ImageReference; readonly invalid?: undefined }
    | { readonly reference?: undefined; readonly invalid: string }
  );

/** Parses every image; an invalid reference is kept with the parser's reason, never thrown. */
export function resolveImages(images: readonly ReviewedImage[]): ResolvedImage[] {
  return images.map((reviewed) => {
    try {
      return { ...reviewed, reference: parseImageReference(reviewed.image) };
    } catch (err) {
      if (!(err instanceof InvalidImageReferenceError)) throw err;
      return { ...reviewed, invalid: err.reason };
    }
  });
}
