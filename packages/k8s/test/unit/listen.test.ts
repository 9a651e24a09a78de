import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/index.js';

// listen() is how every server of ours binds (probes, Clair's notifier webhook, the admission webhook): a bind
// error must come back as a rejection the caller reports, never as an unhandled 'error' event.

const servers: Server[] = [];
const server = () => {
  const s = createServer();
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('listen', () => {
  it('binds a free port when given 0 and reports it with the host as it goes in a URL', async () => {
    const { port, urlHost } = await listen(server(), 0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(urlHost).toBe('127.0.0.1');
  });

  it('rejects with the bind error when the port is taken, and leaves no error listener behind', async () => {
    const { port } = await listen(server(), 0, '127.0.0.1');
    const second = server();
    await expect(listen(second, port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.listenerCount('error')).toBe(0);
  });
});
