import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../src/runtime/work-queue.js';

/** Lets every pending callback run once: a handler's `await` yields, others start. No clock is involved. */
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('deduplicates keys added while queued', async () => {
    const q = new WorkQueue({ concurrency: 1 });
    const seen: string[] = [];
    for (const k of ['a', 'b', 'a', 'a', 'b']) q.add(k);
    q.start(async (k) => {
      seen.push(k);
    });
    await q.whenIdle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and re-runs a key added while it ran', async () => {
    const q = new WorkQueue({ concurrency: 4 });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => {};
    let firstStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    q.start(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) {
        firstStarted();
        await new Promise<void>((r) => (release = r));
      }
      running--;
    });
    q.add('k');
    await started;
    q.add('k');
    q.add('k');
    await yieldToOthers();
    expect(runs).toBe(1);
    release();
    await q.whenIdle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency across keys', async () => {
    const q = new WorkQueue({ concurrency: 2 });
    let running = 0;
    let maxRunning = 0;
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await yieldToOthers();
      running--;
    });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await q.whenIdle();
    expect(maxRunning).toBe(2);
  });

  it('keeps the earliest schedule for a key, and add() overrides a pending schedule', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const seen: string[] = [];
    q.start(async (k) => {
      seen.push(k);
    });
    q.addAfter('late', 60_000);
    q.addAfter('late', 10);
    q.addAfter('late', 50_000);
    await vi.advanceTimersByTimeAsync(9);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual(['late']);
    // The later schedules were dropped, not kept for later.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen).toEqual(['late']);
    q.addAfter('now', 60_000);
    q.add('now');
    await q.whenIdle();
    expect(seen).toEqual(['late', 'now']);
    await q.stop();
  });

  it('survives a failing handler and stops cleanly', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    q.start(async (k) => {
      seen.push(k);
      if (k === 'bad') throw new Error('boom');
    });
    q.add('bad');
    q.add('good');
    await q.whenIdle();
    expect(seen.sort()).toEqual(['bad', 'good']);
    await q.stop();
    q.add('after-stop');
    // A stopped queue takes nothing: the key is not even queued.
    expect(q.depth).toBe(0);
    await yieldToOthers();
    expect(seen).not.toContain('after-stop');
  });
});
