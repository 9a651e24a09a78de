import { listen } from '@nimbus-ts/k8s';
/**
 * The HTTP(S) endpoint Clair's notifier POSTs `{"notification_id", "callback"}` to. It answers first —
 * exactly 200, since Clair counts any other status as a failed delivery and retries on its next tick — and
 * hands the accepted notification to a handler afterwards, so a slow handler never looks like a failed
 * delivery.
 */

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { decodePskKey } from '@nimbus-ts/clair-client';
import { bearerToken, CLAIR_JWT_LEEWAY_SECONDS, CLAIR_NOTIFIER_ISSUER, verifyClairJwt } from './clair-jwt.js';

/** An accepted delivery. */
export interface ClairDelivery {
  /** The notification set's UUID; pass it to `processNotification`. */
  readonly notificationId: string;
  /**
   * Where Clair says the set can be fetched. Informational: fetching it would send our Clair token to a
   * URL chosen by whoever posted, so the adapter reads the set through its configured Clair client.
   */
  readonly callback: string;
}

/** The logger the receiver reports to; the packages' winston `Logger` satisfies it. */
export interface WebhookLogger {
  /** Records an accepted notification. */
  info(message: string, meta?: Record<string, unknown>): unknown;
  /** Records a refused request, with the HTTP status, the reason and the caller's address. */
  warn(message: string, meta?: Record<string, unknown>): unknown;
  /** Records a failed handler or an unexpected failure while answering a request. */
  error(message: string, meta?: Record<string, unknown>): unknown;
}

/** Options of {@link clairWebhookHandler}. */
export interface ClairWebhookOptions {
  /** Clair's `auth.psk.key`, base64 as in its config. */
  readonly pskKey: string;
  /** Accepted JWT issuers; default [`clair-notifier`], what Clair's notifier signs as. */
  readonly issuers?: readonly string[];
  /** The path Clair posts to (`notifier.webhook.target`); default {@link DEFAULT_WEBHOOK_PATH}. */
  readonly path?: string;
  /** Larger bodies get 413; default 64 KiB (Clair's body is about 150 bytes). */
  readonly maxBodyBytes?: number;
  /** Clock skew tolerated on `exp`/`nbf`; default 15 s, as Clair. */
  readonly leewaySeconds?: number;
  /** Called after the 200 went out; a rejection or throw is logged, never propagated. */
  readonly onNotification: (delivery: ClairDelivery) => Promise<void> | void;
  /** Default: nothing is logged. */
  readonly logger?: WebhookLogger;
  /** Seconds since the epoch; a parameter for tests. */
  readonly now?: () => number;
}

/** Options of {@link startClairWebhook}. */
export interface ClairWebhookServerOptions extends ClairWebhookOptions {
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Serve HTTPS with this PEM key and certificate instead of HTTP. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** A listening receiver. */
export interface ClairWebhookServer {
  /** `http(s)://host:port/path`, what to put in Clair's `notifier.webhook.target`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening, closes idle connections, and waits for handlers still running. */
  close(): Promise<void>;
}

/** The default path of the receiver. */
export const DEFAULT_WEBHOOK_PATH = '/clair/notifications';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Past this a body is no longer drained to answer cleanly: the connection is closed after the 413.
const DRAIN_LIMIT = 1024 * 1024;

/** The request listener alone, to mount on a server of one's own; {@link startClairWebhook} wraps it. */
export function clairWebhookHandler(options: ClairWebhookOptions): ((
  req: IncomingMessage,
  res: ServerResponse,
) => void) & {
  /** Resolves once no accepted notification is still being handled (and none started meanwhile). */
  idle(): Promise<void>;
} {
  const key = decodePskKey(options.pskKey);
  const path = options.path ?? DEFAULT_WEBHOOK_PATH;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const issuers = options.issuers ?? [CLAIR_NOTIFIER_ISSUER];
  const leewaySeconds = options.leewaySeconds ?? CLAIR_JWT_LEEWAY_SECONDS;
  const now = options.now ?? (() => Date.now() / 1000);
  const logger = options.logger;
  const inFlight = new Map<string, Promise<void>>();

  const dispatch = (delivery: ClairDelivery) => {
    // Clair may deliver a set again while it is still being handled; one run per set is enough.
    if (inFlight.has(delivery.notificationId)) return;
    const run = (async () => {
      try {
        await options.onNotification(delivery);
      } catch (err) {
        logger?.error('handling a Clair notification failed', {
          notificationId: delivery.notificationId,
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        inFlight.delete(delivery.notificationId);
      }
    })();
    inFlight.set(delivery.notificationId, run);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refuse = (status: number, reason: string, headers: Record<string, string> = {}) => {
      logger?.warn('refused a Clair webhook request', { status, reason, remote: req.socket.remoteAddress });
      answer(res, status, reason, headers);
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > DRAIN_LIMIT) {
      refuse(413, 'body too large', { connection: 'close' });
      return;
    }
    // The body is read (or drained) before any answer, so the client always gets a status rather than a
    // reset connection.
    const body = await readBody(req, maxBody);
    if (body.kind === 'aborted') return;
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (url.pathname !== path) return refuse(404, 'not found');
    if (req.method !== 'POST') return refuse(405, 'method not allowed', { allow: 'POST' });
    const token = bearerToken(req.headers.authorization);
    if (!token) return refuse(401, 'missing bearer token', { 'www-authenticate': 'Bearer' });
    const verified = verifyClairJwt(token, { key, issuers, now: now(), leewaySeconds });
    if (!verified.ok)
      return refuse(401, `token refused: ${verified.reason}`, { 'www-authenticate': 'Bearer' });
    if (!isJson(req.headers['content-type'])) return refuse(415, 'content type must be application/json');
    if (body.kind === 'too-large') {
      return refuse(413, 'body too large', body.drained ? {} : { connection: 'close' });
    }
    const delivery = parseDelivery(body.bytes);
    if (typeof delivery === 'string') return refuse(400, delivery);

    answer(res, 200, 'ok');
    logger?.info('accepted a Clair notification', { notificationId: delivery.notificationId });
    setImmediate(() => dispatch(delivery));
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      // Nothing above should throw; if it does, the request fails alone and the server keeps serving.
      logger?.error('the Clair webhook failed on a request', {
        error: err instanceof Error ? err.message : String(err),
      });
      if (!res.headersSent) answer(res, 500, 'internal error');
      else res.destroy();
    });
  };
  return Object.assign(listener, {
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()]);
    },
  });
}

/**
 * Starts an HTTP(S) server with {@link clairWebhookHandler} on it.
 *
 * @example
 * ```ts
 * const receiver = await startClairWebhook({
 *   pskKey, port: 8443, tls: { key, cert },
 *   onNotification: ({ notificationId }) =>
 *     processNotification(clairClient, notificationId, (digests) => refreshReports(digests)),
 * });
 * // notifier.webhook.target in Clair's config: receiver.url
 * ```
 */
export async function startClairWebhook(options: ClairWebhookServerOptions): Promise<ClairWebhookServer> {
  const handler = clairWebhookHandler(options);
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createHttpServer(handler);
  // Bounded time per request: a client trickling a body must not hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const { port, urlHost: host } = await listen(server, options.port ?? 0, options.host ?? '0.0.0.0');
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}${options.path ?? DEFAULT_WEBHOOK_PATH}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    server,
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await handler.idle();
      })();
      return closed;
    },
  };
}

type Body =
  | { readonly kind: 'ok'; readonly bytes: Buffer }
  | { readonly kind: 'too-large'; readonly drained: boolean }
  | { readonly kind: 'aborted' };

// Keeps at most `limit` bytes; past it the rest is read and discarded up to DRAIN_LIMIT so that the 413
// reaches the client, and beyond that the read stops and the connection is closed after the answer.
function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (body: Body) => {
      if (settled) return;
      settled = true;
      resolve(body);
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
      else if (total > DRAIN_LIMIT) {
        req.pause();
        finish({ kind: 'too-large', drained: false });
      }
    });
    req.on('end', () =>
      finish(
        total > limit ? { kind: 'too-large', drained: true } : { kind: 'ok', bytes: Buffer.concat(chunks) },
      ),
    );
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) finish({ kind: 'aborted' });
    });
  });
}

function isJson(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** The delivery in a body, or why it is not one. */
function parseDelivery(bytes: Buffer): ClairDelivery | string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body is not a JSON object';
  const { notification_id: notificationId, callback } = value as Record<string, unknown>;
  // The ID ends up in a URL path of the Clair API; only a UUID, which is what Clair sends, is let through.
  if (typeof notificationId !== 'string' || !UUID.test(notificationId))
    return 'notification_id is not a UUID';
  if (typeof callback !== 'string' || callback === '') return 'callback is missing';
  return { notificationId, callback };
}

function answer(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = `${text}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
