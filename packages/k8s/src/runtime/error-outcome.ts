/**
 * What happens to a key after its reconcile failed, as an {@link ErrorPolicy} decides it: retried with the
 * controller's per-key backoff, requeued after a delay of the policy's choosing, or given up until the object
 * (or something mapped to it) changes. Every failure counts as an `error` reconcile in the metrics, whatever
 * the outcome.
 */
export type ErrorOutcome =
  | { readonly kind: 'retry' }
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  | { readonly kind: 'terminal' };

/** The three {@link ErrorOutcome}s. */
export const ErrorOutcome = {
  /** Retry with the controller's per-key exponential backoff (800 ms doubling to 5 min, jittered). */
  retry: Object.freeze({ kind: 'retry' }) as ErrorOutcome,
  /** Retry after exactly `ms`, e.g. a backoff of the policy's own. */
  requeueAfter(ms: number): ErrorOutcome {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ErrorOutcome.requeueAfter needs a delay >= 0, got ${ms}`);
    }
    return { kind: 'requeueAfter', ms };
  },
  /** Do not retry: the same input fails the same way, so only a change can help. */
  terminal: Object.freeze({ kind: 'terminal' }) as ErrorOutcome,
} as const;

/**
 * Thrown by a reconciler for a failure that retrying cannot fix (an invalid object, say): the default error
 * policy makes it {@link ErrorOutcome.terminal}. Say in the message what the user should change.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * Decides what happens after a failed reconcile, apart from the reconciler: `attempt` counts this key's
 * consecutive failures from 1 (the controller keeps the count, and resets it on success).
 */
export type ErrorPolicy<T, C> = (obj: T, error: unknown, ctx: C, attempt: number) => ErrorOutcome;

/**
 * The default error policy: a {@link TerminalError} is terminal, anything else is retried with the controller's
 * backoff (conflicts, outages and refusals the reconciler has already reported all heal by retrying).
 */
export function defaultErrorPolicy<T, C>(): ErrorPolicy<T, C> {
  return (_obj, error) => (error instanceof TerminalError ? ErrorOutcome.terminal : ErrorOutcome.retry);
}
