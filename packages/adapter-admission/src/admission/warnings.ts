/**
 * Admission warnings within what the apiserver passes on. It may truncate a warning over 256 characters
 * and ignores warnings past 4 KiB in all, and each warning ends up in an HTTP `Warning` header, where
 * control characters have no place. So each is made printable and fitted to 256 UTF-8 bytes (the stricter
 * reading of "characters"), and the list is kept short: what does not fit is counted in a last warning.
 */

/** The longest warning passed on whole, in UTF-8 bytes. */
export const MAX_WARNING_BYTES = 256;
/** The most warnings one response carries; 10 × 256 bytes stays well under the apiserver's 4 KiB. */
export const MAX_WARNINGS = 10;

/** C0 and C1 control characters, newlines and tabs included. */
const CONTROL_CHARACTERS = /\p{Cc}/gu;
const ELLIPSIS = '…';

/** `text` without control characters and at most `maxBytes` UTF-8 bytes long, ending in `…` when cut. */
export function fitText(text: string, maxBytes: number): string {
  const printable = text.replace(CONTROL_CHARACTERS, ' ');
  if (Buffer.byteLength(printable) <= maxBytes) return printable;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS);
  let fitted = '';
  let bytes = 0;
  for (const character of printable) {
    const size = Buffer.byteLength(character);
    if (bytes + size > budget) break;
    fitted += character;
    bytes += size;
  }
  return `${fitted}${ELLIPSIS}`;
}

/**
 * The warnings to send for `texts`: each fitted to {@link MAX_WARNING_BYTES}, at most {@link MAX_WARNINGS},
 * the last one saying how many were left out when there are more.
 */
export function fitWarnings(texts: readonly string[]): string[] {
  if (texts.length <= MAX_WARNINGS) return texts.map((text) => fitText(text, MAX_WARNING_BYTES));
  const kept = texts.slice(0, MAX_WARNINGS - 1).map((text) => fitText(text, MAX_WARNING_BYTES));
  kept.push(`${texts.length - kept.length} more image admission warnings not shown`);
  return kept;
}
