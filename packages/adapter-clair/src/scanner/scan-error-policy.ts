import { ErrorOutcome, type ErrorPolicy } from '@nimbus-ts/k8s';
import { DEFAULT_RETRY_DELAYS, type RetryDelays, retryDelayMs } from './retry-delay.js';

/**
 * Thrown by a scan reconcile after it has written the policy's status when images could not be scanned (Clair
 * or a registry down, a pull secret missing): the reconcile failed, so the controller's metrics count it as an
 * error and its error policy schedules the retry — the scanner keeps no failure count of its own.
 */
export class ScanFailedError extends Error {
  /** @param failed - each failed image's `<image>: <what happened and the fix>`. */
  constructor(
    readonly policy: string,
    readonly failed: readonly string[],
  ) {
    super(
      `ImageScanPolicy ${policy}: ${failed.length} images could not be scanned: ${failed.slice(0, 3).join('; ')}`,
    );
    this.name = 'ScanFailedError';
  }
}

/**
 * The scanner's error policy: failed scans are retried after the scanner's own delays (Clair and registries recover
 * in seconds to minutes: `delays`, doubling per consecutive failure as the controller counts them), anything else
 * with the controller's backoff.
 */
export function scanErrorPolicy<T, C>(delays: RetryDelays = DEFAULT_RETRY_DELAYS): ErrorPolicy<T, C> {
  return (_obj, error, _ctx, attempt) =>
    error instanceof ScanFailedError
      ? ErrorOutcome.requeueAfter(retryDelayMs(attempt, delays))
      : ErrorOutcome.retry;
}
