import { request } from 'node:https';
import { createInterface } from 'node:readline';
import type { ApiServerAccess } from '../cluster-connection.js';

/** One line of a Kubernetes watch stream. */
export interface RawWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

/** An HTTP error answered to a watch request, with the status code kept for the caller's decision. */
export class WatchHttpError extends Error {
  /** @param status - HTTP status, e.g. 410 when the resourceVersion is too old. */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Opens one watch request (with the given Accept header) and feeds every event to `onEvent` until the server ends the stream (resolves),
 * the connection fails or stays silent for `idleTimeoutMs` (rejects), or `signal` aborts (resolves).
 */
export async function streamWatch(
  kc: ApiServerAccess,
  path: string,
  onEvent: (event: RawWatchEvent) => void,
  signal: AbortSignal,
  idleTimeoutMs: number,
  accept = 'application/json',
): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const options: Parameters<typeof request>[1] = { method: 'GET', headers: { accept } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve();
    const req = request(new URL(path, cluster.server), options, (res) => {
      if (res.statusCode !== 200) {
        if (res.statusCode === 401) kc.invalidateCredentials?.();
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () =>
          reject(new WatchHttpError(res.statusCode ?? 0, `watch ${path}: HTTP ${res.statusCode} ${body}`)),
        );
        return;
      }
      res.on('error', reject);
      const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
      // readline re-emits its input's errors; without a listener that would be an uncaught exception.
      lines.on('error', reject);
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        try {
          onEvent(JSON.parse(line) as RawWatchEvent);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
      res.on('end', () => resolve());
    });
    // The socket timeout is an idle timeout: it fires only when nothing arrives for idleTimeoutMs.
    req.setTimeout(idleTimeoutMs, () =>
      req.destroy(new Error(`watch ${path}: no data for ${idleTimeoutMs} ms`)),
    );
    req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    signal.addEventListener('abort', () => req.destroy(), { once: true });
    req.end();
  });
}
