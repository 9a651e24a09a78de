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

/**
 * Calls `check` until it returns true, at most until `timeoutMs` has passed, then throws an error naming
 * `what`. Errors thrown by `check` count as "not yet", and the last one is reported on timeout.
 *
 * This is how tests wait for an eventually consistent outcome; the deadline is a failure bound, not an
 * assertion about speed.
 */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  options: number | { readonly intervalMs?: number; readonly signal?: AbortSignal } = 200,
): Promise<void> {
  const { intervalMs = 200, signal } = typeof options === 'number' ? { intervalMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    // An aborted wait ends at once, so a caller that already knows the outcome does not sit out the deadline.
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}: aborted`);
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` Last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}.${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
