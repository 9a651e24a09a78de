import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/runtime/work-queue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

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
    q.start(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await new Promise<void>((r) => (release = r));
      running--;
    });
    q.add('k');
    await tick();
    q.add('k');
    q.add('k');
    await tick();
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
      await tick();
      running--;
    });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await q.whenIdle();
    expect(maxRunning).toBe(2);
  });

  it('keeps the earliest schedule for a key, and add() overrides a pending schedule', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    q.start(async (k) => {
      seen.push(k);
    });
    q.addAfter('late', 60_000);
    q.addAfter('late', 10);
    q.addAfter('late', 50_000);
    await new Promise((r) => setTimeout(r, 40));
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
    await tick();
    expect(seen).not.toContain('after-stop');
  });
});
