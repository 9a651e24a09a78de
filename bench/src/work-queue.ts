// A bounded pool of workers for the floor controller.

/** A queue of items that `work` takes at most `concurrency` at a time, in arrival order. */
export interface WorkQueue<T> {
  /** Adds an item; a free worker starts on it at once. */
  push(item: T): void;
  /** Resolves once every item pushed so far has been worked on. */
  drained(): Promise<void>;
}

/**
 * Starts a queue of `concurrency` workers. Items arrive from a watch, so there is no end: a worker that finds
 * the queue empty stops, and `push` starts one again while fewer than `concurrency` run.
 *
 * @param onError - called with an error `work` threw; the item is not retried.
 */
export function workQueue<T>(
  concurrency: number,
  work: (item: T) => Promise<void>,
  onError: (error: unknown) => void,
): WorkQueue<T> {
  const items: T[] = [];
  let running = 0;
  let idle: (() => void)[] = [];
  const run = async () => {
    running++;
    for (let item = items.shift(); item !== undefined; item = items.shift()) {
      try {
        await work(item);
      } catch (error) {
        onError(error);
      }
    }
    running--;
    if (running === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };
  return {
    push(item) {
      items.push(item);
      if (running < concurrency) void run();
    },
    drained: () =>
      running === 0 && items.length === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve)),
  };
}
