import type { BuiltImage } from './build.js';

/** The compressed size each image should stay within (issue 14); Node alone is about 46 MB of it. */
export const SIZE_TARGET_BYTES = 80e6;

/** Bytes as megabytes with one decimal, e.g. `45.7 MB`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One line per image: reference, digest, compressed size and its layers, and whether it is over the target. */
export function summaryLine(image: Pick<BuiltImage, 'image' | 'tag' | 'digest' | 'size' | 'layers'>): string {
  const layers = image.layers.map((l) => `${l.name} ${megabytes(l.size)}`).join(', ');
  const over = image.size > SIZE_TARGET_BYTES ? ` — over the ${megabytes(SIZE_TARGET_BYTES)} target` : '';
  return `${image.image}:${image.tag}  ${image.digest}  ${megabytes(image.size)} (${layers})${over}`;
}
