import { ClairError } from '@nimbus-ts/clair-client';
import { afterImage, RegistryError } from '@nimbus-ts/registry';

/** What a failed image scan becomes: the text of the policy's ScanFailed condition, and its log line. */
export interface ScanFailure {
  /** `<image>: <what happened and the fix>`, naming the image once. */
  readonly text: string;
  /** What happened and the fix, for the log's `reason` (which has the image in a field of its own). */
  readonly reason: string;
  /**
   * `warn` when the registry or Clair failed or refused (the environment: a pull secret, an outage), `error` for
   * anything else (unexpected: worth a bug report). Both are retried with backoff.
   */
  readonly level: 'warn' | 'error';
}

/**
 * How the scan of `image` (`registry/repository@digest`) failing with `error` is reported; `hint` is added
 * after the error's message (e.g. a pull secret that does not exist). The registry client's messages begin with
 * the image they are about (with the platform, for a manifest of an index), so those are not prefixed again.
 */
export function scanFailure(image: string, error: unknown, hint = ''): ScanFailure {
  const message = error instanceof Error ? error.message : String(error);
  const level = error instanceof RegistryError || error instanceof ClairError ? 'warn' : 'error';
  const reason = `${afterImage(message, image)}${hint}`;
  // `<image>: …`, or `<image> (linux/amd64): …` (whose platform stays in the reason too): named already.
  const named = message.startsWith(`${image}: `) || message.startsWith(`${image} `);
  return { text: named ? `${message}${hint}` : `${image}: ${reason}`, reason, level };
}
