import { describe, expect, it } from 'vitest';
import { workQueue } from '../../src/work-queue.ts';

describe('workQueue', () => {
  it('works on every item, never more than `concurrency` at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const queue = workQueue<number>(
      3,
      async (n) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        done.push(n);
        running--;
      },
      (error) => {
        throw error;
      },
    );
    for (let i = 0; i < 10; i++) queue.push(i);
    await queue.drained();
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    // Items pushed after it drained start new workers.
    queue.push(10);
    await queue.drained();
    expect(done).toContain(10);
  });

  it('hands an error to onError and goes on with the next item', async () => {
    const errors: unknown[] = [];
    const done: string[] = [];
    const queue = workQueue<string>(
      1,
      async (s) => {
        if (s === 'bad') throw new Error('refused');
        done.push(s);
      },
      (error) => errors.push(error),
    );
    for (const s of ['a', 'bad', 'b']) queue.push(s);
    await queue.drained();
    expect(done).toEqual(['a', 'b']);
    expect(errors).toEqual([new Error('refused')]);
  });
});
