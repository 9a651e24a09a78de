import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pollUntil, pollUntilSteady } from '../../src/testing/poll.js';
import { freeLoopbackPorts } from '../../src/testing/ports.js';

describe('freeLoopbackPorts', () => {
  it('returns distinct ports that can be bound on 127.0.0.1', async () => {
    const ports = await freeLoopbackPorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('pollUntil', () => {
  it('resolves once the check passes', async () => {
    let calls = 0;
    await pollUntil('three calls', 5_000, () => ++calls >= 3, 1);
    expect(calls).toBe(3);
  });

  it('names what it waited for and the last error when it gives up', async () => {
    await expect(
      pollUntil(
        'the moon',
        30,
        () => {
          throw new Error('not risen');
        },
        5,
      ),
    ).rejects.toThrow(/waiting for the moon\. Last error: not risen/);
  });

  it('names the last value it saw when it gives up, so a failure shows how far things got', async () => {
    let phase = 'Pending';
    await expect(
      pollUntil('the pod to run', 30, () => ({ phase }), {
        intervalMs: 5,
        until: (pod) => pod.phase === 'Running',
      }),
    ).rejects.toThrow('timed out after 30 ms waiting for the pod to run. Last value: {"phase":"Pending"}');
    await expect(pollUntil('a flag', 30, () => false, 5)).rejects.toThrow(/a flag\. Last value: false$/);
    phase = 'Running';
    await expect(
      pollUntil('the pod to run', 30, () => ({ phase }), { until: (pod) => pod.phase === 'Running' }),
    ).resolves.toEqual({ phase: 'Running' });
  });

  it('reports the outcome of the last attempt: an error after a value, a value after an error', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls % 2 === 0) throw new Error(`attempt ${calls} failed`);
      return `attempt ${calls}`;
    };
    const message = await pollUntil('something', 40, flaky, { intervalMs: 5, until: () => false }).then(
      () => '',
      (err: Error) => err.message,
    );
    const last = calls % 2 === 0 ? `Last error: attempt ${calls} failed` : `Last value: "attempt ${calls}"`;
    expect(message).toBe(`timed out after 40 ms waiting for something. ${last}`);
  });

  it('shortens a long last value', async () => {
    const message = await pollUntil('a big object', 20, () => ({ data: 'x'.repeat(5_000) }), {
      intervalMs: 5,
      until: () => false,
    }).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(message.length).toBeLessThan(1_200);
    expect(message).toMatch(/Last value: \{"data":"x+… \(\d+ characters in all\)$/);
  });
});

describe('pollUntilSteady', () => {
  it('resolves with the first sample that equals the one before it', async () => {
    const counts = [1, 2, 5, 5, 6];
    let i = 0;
    const settled = await pollUntilSteady('the counter to stop', 5_000, () => ({ writes: counts[i++] }), {
      intervalMs: 1,
    });
    expect(settled).toEqual({ writes: 5 });
    expect(i).toBe(4);
  });

  it('names the last sample when the counter never stops', async () => {
    let n = 0;
    await expect(pollUntilSteady('a busy counter', 30, () => n++, { intervalMs: 5 })).rejects.toThrow(
      /waiting for a busy counter\. Last value: \{"value":\d+,"steady":false\}/,
    );
  });
});
