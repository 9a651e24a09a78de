/** How long the scanner waits before scanning a policy's images again after failures. */
export interface RetryDelays {
  /** After the first failure. */
  readonly initialMs: number;
  /** The longest wait, however many failures in a row. */
  readonly maxMs: number;
}

/**
 * Clair and registries recover in seconds to minutes: the first retry comes soon, and each further failure in a
 * row doubles the wait up to a few minutes, so an outage is not hammered but recovery is noticed quickly.
 */
export const DEFAULT_RETRY_DELAYS: RetryDelays = Object.freeze({ initialMs: 5_000, maxMs: 300_000 });

/** The wait after `failures` failed reconciles in a row (1 for the first): exponential, capped. */
export function retryDelayMs(failures: number, delays: RetryDelays = DEFAULT_RETRY_DELAYS): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(delays.initialMs * 2 ** exponent, delays.maxMs);
}
