/** What a failed image scan becomes: the text of the policy's ScanFailed condition. */
export interface ScanFailure {
  /** `<image>: <what happened and the fix>`, naming the image once. */
  readonly text: string;
}

/**
 * How the scan of `image` (`registry/repository@digest`) failing with `error` is reported; `hint` is added
 * after the error's message (e.g. a pull secret that does not exist). The registry client's messages begin with
 * the image they are about (with the platform, for a manifest of an index), so those are not prefixed again.
 */
export function scanFailure(image: string, error: unknown, hint = ''): ScanFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(`${image}: `) || message.startsWith(`${image} `))
    return { text: `${message}${hint}` };
  return { text: `${image}: ${message}${hint}` };
}
