import { Agent, request } from 'node:https';
import type { ApiServerAccess } from './cluster-connection.js';

/**
 * One keep-alive agent per connection (kubeconfig): without it every request pays a TCP and TLS handshake, which
 * dominates the cost of a controller's small writes. The agent keys its pool by the TLS options, so
 * different identities never share a connection.
 */
const agents = new WeakMap<ApiServerAccess, Agent>();

function agentFor(kc: ApiServerAccess): Agent {
  let agent = agents.get(kc);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });
    agents.set(kc, agent);
  }
  return agent;
}

/** The status, headers and body of a raw API-server response. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  readonly method?: string;
  readonly body?: string;
  readonly contentType?: string;
  /** The Accept header; default JSON. */
  readonly accept?: string;
  /** Abort after this many milliseconds; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Sends one HTTPS request to the current cluster of `kc`, with its credentials, and returns the status and
 * body whatever the status is. For the paths typed clients don't cover: `/readyz`, `/metrics`, discovery. A body
 * is always sent with its Content-Length, whatever the method (a DELETE's `DeleteOptions` included).
 */
export async function rawRequest(
  kc: ApiServerAccess,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('rawRequest: the kubeconfig has no current cluster; set current-context');
  const url = new URL(path, cluster.server);
  const httpsOptions: Parameters<typeof request>[1] = {
    method: options.method ?? 'GET',
    headers: {
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
      // Node frames neither a DELETE's nor a GET's body by itself: without a length the API server ignores the
      // body (a delete's preconditions) and reads its bytes as the next request on the keep-alive connection.
      ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}),
    },
    timeout: options.timeoutMs ?? 10_000,
    agent: agentFor(kc),
  };
  await kc.applyToHTTPSOptions(httpsOptions);
  return new Promise((resolve, reject) => {
    const req = request(url, httpsOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        // A refused credential may be renewable (an exec plugin's): the next request gets a fresh one.
        if (res.statusCode === 401) kc.invalidateCredentials?.();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${httpsOptions.method} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
