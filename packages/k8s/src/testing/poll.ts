/**
 * Resolves or rejects as `promise` does, or rejects as soon as `signal` is aborted — for steps that have no
 * deadline of their own, such as starting a controller whose caches can never fill without permission.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(`stopped waiting for ${what}: aborted`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Options of {@link pollUntil}. */
export interface PollOptions<T> {
  /** Time between two calls of the check. Default 200 ms. */
  readonly intervalMs?: number;
  /** Ends the wait at once when aborted. */
  readonly signal?: AbortSignal;
  /** Decides whether a value the check returned is the one awaited. Default: any truthy value. */
  readonly until?: (value: T) => boolean;
}

/** Longest rendering of the last value in a timeout message: enough to read an object's status, no more. */
const MAX_SHOWN = 1_000;

/** The last value a check returned, as a timeout message shows it: JSON where possible, shortened. */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} characters in all)` : text;
}

/**
 * Calls `check` until what it returns is the awaited value (by default: any truthy value, so a boolean check works
 * as is), at most until `timeoutMs` has passed, and resolves with that value. Errors thrown by `check` count as
 * "not yet". On timeout it throws an error naming `what` and the outcome of the last attempt — the value the check
 * last returned (JSON, shortened) or the error it last threw — so a failed wait shows how far things got.
 *
 * This is how tests wait for an eventually consistent outcome; the deadline is a failure bound, not an
 * assertion about speed. Return the observed object and pass `until` to see it in the failure:
 *
 * ```ts
 * const np = await pollUntil('the policy status', 30_000, () => getPolicy('web'), {
 *   until: (p) => p?.status?.numberOfAdapterPolicies === 2,
 * });
 * ```
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T> | T,
  options: number | PollOptions<T> = 200,
): Promise<T> {
  const {
    intervalMs = 200,
    signal,
    until = Boolean,
  } = typeof options === 'number' ? { intervalMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: { readonly value: T } | { readonly error: unknown } | undefined;
  for (;;) {
    // An aborted wait ends at once, so a caller that already knows the outcome does not sit out the deadline.
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}: aborted`);
    try {
      const value = await check();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const outcome =
        last === undefined
          ? ''
          : 'error' in last
            ? ` Last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
            : ` Last value: ${describeValue(last.value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}.${outcome}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Samples progress counters every `intervalMs` (default 1.5 s) until two samples in a row are equal (as JSON), and
 * resolves with that sample: the moment nothing moved for one interval. Sample what proves activity — the API
 * server's write count (`apiWrites`), a controller's reconcile counter, a `/metrics` line — so "settled" means
 * those stopped, not that some time went by. Times out as {@link pollUntil} does, naming the last sample.
 *
 * ```ts
 * const writes = await pollUntilSteady('the operator to settle', 30_000, async () => ({
 *   writes: await apiWrites(kc, ['intent.security.nimbus.com']),
 *   reconciles: operator.reconciles.success,
 * }));
 * ```
 */
export async function pollUntilSteady<T>(
  what: string,
  timeoutMs: number,
  sample: () => Promise<T> | T,
  options: { readonly intervalMs?: number; readonly signal?: AbortSignal } = {},
): Promise<T> {
  let previous: string | undefined;
  const { value } = await pollUntil(
    what,
    timeoutMs,
    async () => {
      const current = await sample();
      const seen = JSON.stringify(current);
      const steady = seen === previous;
      previous = seen;
      return { value: current, steady };
    },
    { intervalMs: options.intervalMs ?? 1_500, signal: options.signal, until: (s) => s.steady },
  );
  return value;
}
