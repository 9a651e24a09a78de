import type { Server } from 'node:http';
import { listen } from './listen.js';
import type { ControllerMetrics } from './metrics.js';

// `node:http` through the CommonJS door, not `import … from 'node:http'`: an ES import of it builds a module
// namespace of every export, and reading its `WebSocket`, `CloseEvent` and `MessageEvent` getters loads Node's
// bundled undici (some 10 MB of resident memory) into a process that never uses it.
const { createServer } = process.getBuiltinModule('node:http');

/** Options of {@link startProbeServer}. */
export interface ProbeServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to bind; default all interfaces (probes come from the kubelet on the pod IP). */
  readonly host?: string;
  /** `/readyz` answers 200 only while this returns true. */
  readonly ready: () => boolean;
  /** Served on `/metrics` when given. */
  readonly metrics?: ControllerMetrics;
}

/** A running probe server. */
export interface ProbeServer {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting connections and resolves once the open ones have ended. */
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process is alive), `/readyz` (caches synced, ready to work) and `/metrics`
 * (Prometheus text format) over plain HTTP, as kubelet probes and Prometheus expect.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return send(200, 'ok\n');
    if (path === '/readyz') return options.ready() ? send(200, 'ok\n') : send(503, 'caches not synced yet\n');
    if (path === '/metrics' && options.metrics) {
      const metrics = options.metrics;
      metrics.render().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err: Error) => send(500, `${err.message}\n`),
      );
      return;
    }
    send(404, 'not found\n');
  });
  const { port } = await listen(server, options.port, options.host);
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
