import type { Server } from 'node:net';

/**
 * Starts `server` listening and resolves once it is bound, rejecting on a bind error (a taken port) instead of
 * leaving it to an unhandled `error` event. Without `host` it listens on every address, as `server.listen` does.
 *
 * @returns the port (the free one chosen when `port` is 0) and the host as it goes in a URL (IPv6 in brackets).
 */
export async function listen(
  server: Server,
  port: number,
  host?: string,
): Promise<{ port: number; urlHost: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the server is not listening on a TCP port');
  return {
    port: address.port,
    urlHost: address.address.includes(':') ? `[${address.address}]` : address.address,
  };
}
