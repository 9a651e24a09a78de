/**
 * Coalesces concurrent calls for the same key into one: while a call for `key` is in flight, every other
 * caller with that key gets the same promise. This is what makes 50 pods sharing one image cause one index
 * request, even when their scans start at the same moment.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** Runs `work` for `key` unless a call for `key` is already running, whose result is then shared. */
  do(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** How many keys have a call in flight. */
  get size(): number {
    return this.inFlight.size;
  }
}
