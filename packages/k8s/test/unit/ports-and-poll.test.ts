import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/testing/poll.js';
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
});
