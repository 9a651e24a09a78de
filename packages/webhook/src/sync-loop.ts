import type { Logger } from '@nimbus-ts/k8s';
import { Backoff, WorkQueue } from '@nimbus-ts/k8s';

/** The one key of a {@link SyncLoop}'s queue. */
const KEY = 'sync';

/** Options of a {@link SyncLoop}. */
export interface SyncLoopOptions {
  /** What is kept in shape, for log lines, e.g. `Secret webhooks/serving-cert`. */
  readonly what: string;
  /** Brings the object in shape; resolves with how many ms may pass before the next check. */
  readonly sync: () => Promise<number>;
  /** The longest pause between two checks, whatever `sync` says. */
  readonly resyncIntervalMs: number;
  /** Delays after failures. Default 800 ms doubling to 30 s. */
  readonly backoff?: Backoff;
  readonly logger?: Logger | undefined;
}

/**
 * Runs `sync` for one object whenever asked ({@link trigger}, e.g. from a Reflector's change listener), when
 * its own schedule comes, and after failures with backoff — never two at once, and a trigger during a
 * sync runs it once more afterwards. It is a one-key {@link WorkQueue} with a timer: the level-triggered
 * loop of a controller, for an object that must be created when missing (which `Controller` never
 * reconciles).
 */
export class SyncLoop {
  private readonly queue = new WorkQueue({ concurrency: 1 });
  private readonly backoff: Backoff;
  private succeeded = false;
  private settleFirst: ((error?: Error) => void) | undefined;

  /** @param options - see {@link SyncLoopOptions}. */
  constructor(private readonly options: SyncLoopOptions) {
    this.backoff = options.backoff ?? new Backoff();
  }

  /** True once a sync has succeeded. */
  get synced(): boolean {
    return this.succeeded;
  }

  /** Starts the loop; resolves after the first successful sync, rejects if stopped before one. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => {
      this.settleFirst = (error) => (error ? reject(error) : resolve());
    });
    this.queue.start(() => this.run());
    this.queue.add(KEY);
    return first;
  }

  /** Asks for a sync as soon as possible. */
  trigger(): void {
    this.queue.add(KEY);
  }

  /** Stops scheduling and waits for a running sync to end. */
  async stop(): Promise<void> {
    await this.queue.stop();
    this.settleFirst?.(new Error(`stopped before ${this.options.what} was first in shape`));
    this.settleFirst = undefined;
  }

  private async run(): Promise<void> {
    try {
      const nextMs = await this.options.sync();
      this.backoff.reset();
      this.succeeded = true;
      this.settleFirst?.();
      this.settleFirst = undefined;
      this.queue.addAfter(KEY, Math.max(0, Math.min(nextMs, this.options.resyncIntervalMs)));
    } catch (err) {
      const delay = this.backoff.next();
      this.options.logger?.error('sync failed; retrying', {
        object: this.options.what,
        error: (err as Error).message,
        retryInMs: delay,
      });
      this.queue.addAfter(KEY, delay);
    }
  }
}
