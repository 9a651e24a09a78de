/** Handles one key; the queue guarantees no two handlers run for the same key at once. */
export type KeyHandler = (key: string) => Promise<void>;

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Most keys handled at the same time. Default 4. */
  readonly concurrency?: number;
}

/**
 * A queue of keys with the semantics controllers need:
 * - a key is queued at most once, however often it is added (deduplication);
 * - at most one handler runs per key; a key added while it is being handled runs once more afterwards;
 * - at most `concurrency` handlers run in total;
 * - `addAfter` schedules a key for later; the earliest schedule wins.
 * It carries keys only, never events: the handler reads the current state.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly concurrency: number;
  private handler: KeyHandler | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  /** @param options - see {@link WorkQueueOptions}. */
  constructor(options: WorkQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Queues `key` now. */
  add(key: string): void {
    if (this.stopped) return;
    this.cancelTimer(key);
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs`, unless it is already scheduled sooner. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Number of keys waiting (not counting scheduled or running ones). */
  get depth(): number {
    return this.queue.length;
  }

  /** Number of keys being handled right now. */
  get running(): number {
    return this.active.size;
  }

  /** Starts handing keys to `handler`. */
  start(handler: KeyHandler): void {
    this.handler = handler;
    this.pump();
  }

  /** Stops taking keys, drops scheduled ones, and waits for running handlers to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.whenIdle();
  }

  /** Resolves when nothing is queued or running (scheduled keys do not count). */
  whenIdle(): Promise<void> {
    if (this.active.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private cancelTimer(key: string): void {
    const existing = this.timers.get(key);
    if (existing) {
      clearTimeout(existing.timer);
      this.timers.delete(key);
    }
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.stopped && this.active.size < this.concurrency) {
      const index = this.queue.findIndex((k) => !this.active.has(k));
      if (index < 0) break;
      const [key] = this.queue.splice(index, 1) as [string];
      this.queued.delete(key);
      this.active.add(key);
      void handler(key)
        .catch(() => {
          // Handlers report their own errors; the queue only sequences.
        })
        .finally(() => {
          this.active.delete(key);
          if (this.dirty.delete(key)) this.add(key);
          this.pump();
          if (this.active.size === 0 && this.queue.length === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }
}
