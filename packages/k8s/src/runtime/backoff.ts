/** Parameters of an exponential backoff. */
export interface BackoffOptions {
  /** First delay. Default 800 ms. */
  readonly initialMs?: number;
  /** Largest delay. Default 30 s. */
  readonly maxMs?: number;
  /** Growth per failure. Default 2. */
  readonly factor?: number;
  /** Fraction of each delay that is randomised, 0–1. Default 0.1 (±10 %), so retries of many keys spread out. */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); tests pass a constant. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Exponential backoff: 800 ms, 1.6 s, 3.2 s … capped at 30 s, with jitter (the numbers kube-rs uses).
 * Pure state machine: `next()` returns the delay to wait before the next attempt; `reset()` after a success.
 */
export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  /** @param options - see {@link BackoffOptions}; every field has a default. */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.1;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures++;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.round(Math.min(this.maxMs, base + spread)));
  }

  /** How many failures in a row have been counted since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** Forgets the failures: the next delay is the initial one again. */
  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
