import { ClairError } from '../clair/clair-error.js';
import { RegistryError } from '../registry/registry-error.js';

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
  if (message.startsWith(`${image}: `)) {
    return { text: `${message}${hint}`, reason: `${message.slice(image.length + 2)}${hint}`, level };
  }
  if (message.startsWith(`${image} `)) {
    // `<image> (linux/amd64): …`: the platform belongs to the reason too.
    return { text: `${message}${hint}`, reason: `${message}${hint}`, level };
  }
  return { text: `${image}: ${message}${hint}`, reason: `${message}${hint}`, level };
}
