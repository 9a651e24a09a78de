import { writeFile } from 'node:fs/promises';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ApiServerAccess } from '../cluster-connection.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { CertificateAuthority } from './pki.js';

/** A request as {@link ApiProxyOptions.delayMs} sees it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/configmaps?limit=500`. */
  readonly path: string;
}

/** Options of {@link startApiProxy}. */
export interface ApiProxyOptions {
  /** The real API server and the credentials every forwarded request is sent with (e.g. the admin's). */
  readonly upstream: ApiServerAccess;
  /** Issues the proxy's serving certificate; the kubeconfig it writes trusts this CA. */
  readonly ca: CertificateAuthority;
  /** Where the proxy's kubeconfig is written. */
  readonly dir: string;
  /** How long to hold each request before forwarding it; 0 forwards at once. Default: forward at once. */
  readonly delayMs?: (request: ProxiedRequest) => number;
  /**
   * Called with each request and the status code the API server answered it with: how a test counts what a
   * component really sent and what was refused (a 409 Conflict, say), in its own namespace, on a control plane
   * other tests share (whose `/metrics` would mix everyone's requests).
   */
  readonly onResponse?: (request: ProxiedRequest, status: number) => void;
}

/** A running {@link startApiProxy}. */
export interface ApiProxy {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** A kubeconfig whose cluster is the proxy: hand it to a component under test. */
  readonly kubeconfigPath: string;
  /** Requests held back so far (those `delayMs` gave more than 0). */
  readonly delayed: number;
  /** Stops accepting connections and ends the open ones (watches included). */
  close(): Promise<void>;
}

/** True for a collection GET that is not a watch: what a cache does when it fills (or re-fills). */
export function isListRequest({ method, path }: ProxiedRequest): boolean {
  const url = new URL(path, 'https://proxy.invalid');
  return method === 'GET' && url.searchParams.get('watch') !== 'true' && url.searchParams.has('limit');
}

/**
 * A TLS-terminating HTTP proxy in front of a real API server that holds chosen requests back, e.g. to make a
 * component's initial lists slower than its Lease for real — the component, its HTTP client and the API server
 * are all the real ones; only the network is slow. Responses (watch streams included) are streamed through.
 * Every request is forwarded with `upstream`'s credentials, whatever client certificate the caller presents.
 */
export async function startApiProxy(options: ApiProxyOptions): Promise<ApiProxy> {
  const upstreamUrl = options.upstream.getCurrentCluster()?.server;
  if (!upstreamUrl) throw new Error('startApiProxy: the upstream kubeconfig has no current cluster');
  const serving = await options.ca.issueServing(['127.0.0.1', 'localhost']);
  let delayed = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const forward = async () => {
      const target = new URL(req.url ?? '/', upstreamUrl);
      const outgoing: Parameters<typeof httpsRequest>[1] = {
        method: req.method ?? 'GET',
        headers: { ...req.headers, host: target.host },
      };
      await options.upstream.applyToHTTPSOptions(outgoing);
      const upstream = httpsRequest(target, outgoing, (answer) => {
        options.onResponse?.({ method: req.method ?? 'GET', path: req.url ?? '/' }, answer.statusCode ?? 502);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    };
    const wait = (options.delayMs ?? (() => 0))({ method: req.method ?? 'GET', path: req.url ?? '/' });
    if (wait <= 0) {
      void forward().catch(() => res.destroy());
      return;
    }
    delayed++;
    req.pause();
    const timer = setTimeout(() => {
      timers.delete(timer);
      void forward().catch(() => res.destroy());
    }, wait);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = await options.ca.issueClient('api-proxy-client', []);
  const kubeconfigPath = join(options.dir, `api-proxy-${(server.address() as AddressInfo).port}.kubeconfig`);
  await writeFile(
    kubeconfigPath,
    renderKubeconfig({
      server: url,
      caPem: options.ca.certPem,
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
      user: 'api-proxy-client',
    }),
    { mode: 0o600 },
  );
  return {
    server: url,
    kubeconfigPath,
    get delayed() {
      return delayed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
