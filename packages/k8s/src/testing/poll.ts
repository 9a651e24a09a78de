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
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
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
