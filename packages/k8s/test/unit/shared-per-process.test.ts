import { describe, expect, it } from 'vitest';
import { acquireShared } from '../../src/testing/shared-per-process.js';

describe('acquireShared', () => {
  it('starts once for every user in the process and stops after the last release', async () => {
    const key = Symbol('shared once');
    const events: string[] = [];
    const start = async () => {
      events.push('start');
      return { value: { port: 1234 }, stop: async () => void events.push('stop') };
    };
    const [a, b] = await Promise.all([acquireShared(key, start), acquireShared(key, start)]);
    expect(a.value).toBe(b.value);
    await a.release();
    await a.release();
    expect(events).toEqual(['start']);
    await b.release();
    expect(events).toEqual(['start', 'stop']);
    // Released by all: the next user starts a new one.
    const c = await acquireShared(key, start);
    await c.release();
    expect(events).toEqual(['start', 'stop', 'start', 'stop']);
  });

  it('forgets a start that failed, so the next user tries again', async () => {
    const key = Symbol('shared failure');
    let attempts = 0;
    const start = async () => {
      attempts++;
      if (attempts === 1) throw new Error('no binaries');
      return { value: attempts, stop: async () => {} };
    };
    await expect(acquireShared(key, start)).rejects.toThrow('no binaries');
    const lease = await acquireShared(key, start);
    expect(lease.value).toBe(2);
    await lease.release();
  });
});
