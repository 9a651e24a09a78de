import type { IncomingMessage } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KeyPairPem } from '@nimbus-ts/k8s';

/** Options of {@link startDelayingProxy}. */
export interface DelayingProxyOptions {
  /** The API server, `https://127.0.0.1:<port>`. */
  readonly upstream: string;
  /** The CA that signed the API server's certificate; the proxy's own serving certificate must chain to it too. */
  readonly caPem: string;
  /** The proxy's serving certificate, for 127.0.0.1. */
  readonly serving: KeyPairPem;
  /** The client certificate the proxy presents upstream: every request goes on as this user. */
  readonly client: KeyPairPem;
  /** How long each LIST (a GET with `limit`, without `watch`) is held before it is sent on. */
  readonly listDelayMs: number;
}

/** A running {@link startDelayingProxy}. */
export interface DelayingProxy {
  /** Where clients connect instead of the API server, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** LISTs held so far. */
  readonly listsDelayed: number;
  /** Stops accepting connections and ends the open ones (watches included). */
  close(): Promise<void>;
}

/** A LIST as clients page through collections: `limit` set, no `watch`. Gets, watches and writes pass at once. */
function isList(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const query = new URL(req.url ?? '/', 'https://proxy').searchParams;
  return query.has('limit') && query.get('watch') !== 'true' && query.get('watch') !== '1';
}

/**
 * A real HTTPS proxy in front of the API server that holds every LIST for `listDelayMs`: an API server (or a
 * cluster) whose initial lists are slow, e.g. one that is overloaded or holds very many objects. Everything else,
 * watches included, streams through unchanged. The proxy terminates TLS and forwards as one client identity.
 */
export async function startDelayingProxy(options: DelayingProxyOptions): Promise<DelayingProxy> {
  const upstream = new URL(options.upstream);
  let listsDelayed = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer(
    { key: options.serving.keyPem, cert: options.serving.certPem },
    (req, res) => {
      const forward = () => {
        const out = httpsRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
            ca: options.caPem,
            cert: options.client.certPem,
            key: options.client.keyPem,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', (err) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${err.message}`);
        });
        res.on('close', () => out.destroy());
        req.pipe(out);
      };
      if (!isList(req)) return forward();
      listsDelayed++;
      req.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        req.resume();
        forward();
      }, options.listDelayMs);
      timers.add(timer);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    get listsDelayed() {
      return listsDelayed;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
