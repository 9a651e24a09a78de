/**
 * A client for Clair v4's indexer, matcher and notifier APIs. Every request carries a freshly minted JWT
 * (they live a minute) and its own timeout; connections are kept alive by Node's `fetch`. Nothing is
 * retried here: the controller owns backoff across images, so failures come back as {@link ClairError}s
 * saying whether and when a retry makes sense.
 */
import {
  type FetchLike,
  isTimeoutError,
  networkErrorText,
  parseRetryAfter,
  readLimited,
  readTextForMessage,
} from '@nimbus-ts/registry';
import type {
  ClairErrorBody,
  ClairManifest,
  IndexReport,
  NotificationPage,
  VulnerabilityReport,
} from './api-types.js';
import { ClairError, type ClairErrorKind, ClairIndexError, layerFetchStatus } from './clair-error.js';
import { mintClairToken } from './jwt.js';

/** Options of a {@link ClairClient}. */
export interface ClairClientOptions {
  /** Clair's API origin, e.g. `http://clair.clair:6060` (combo mode: all three services). */
  readonly url: string;
  /** The indexer's origin when the services run as separate deployments; default `url`. */
  readonly indexerUrl?: string;
  /** The matcher's origin when the services run as separate deployments; default `url`. */
  readonly matcherUrl?: string;
  /** The notifier's origin when the services run as separate deployments; default `url`. */
  readonly notifierUrl?: string;
  /** PSK authentication (`auth.psk` in Clair's config); without it requests carry no JWT. */
  readonly auth?: {
    /** `auth.psk.key`, base64. */
    readonly key: string;
    /** One of `auth.psk.iss`. */
    readonly issuer: string;
    /** JWT lifetime; default 60 s. */
    readonly ttlSeconds?: number;
  };
  /** Timeout of every request but the index POST; default 30 s. */
  readonly timeoutMs?: number;
  /**
   * Timeout of the index POST, during which Clair downloads and scans every layer; default 10 min.
   * Indexing goes on inside Clair when the client gives up, so a retry finds the work done.
   */
  readonly indexTimeoutMs?: number;
  /** The largest response body read (reports of big images reach megabytes); default 256 MiB. */
  readonly maxResponseBytes?: number;
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike;
}

/** What `GET /matcher/api/v1/vulnerability_report/{digest}` said. */
export type VulnerabilityReportResult =
  | {
      readonly kind: 'ready';
      readonly report: VulnerabilityReport;
      /** From `Cache-Control: max-age`: how long Clair considers the report current. */
      readonly maxAgeSeconds?: number;
    }
  /** 202: the matcher has no vulnerability data yet (updaters not run); ask again later. */
  | { readonly kind: 'not-ready' }
  /** 404: the manifest was never indexed, or indexing did not finish; POST it to the indexer. */
  | { readonly kind: 'not-indexed' };

/** Options of {@link ClairClient.notificationPage}. */
export interface NotificationPageOptions {
  /** Notifications per page; Clair's default is 500. Send the same size for every page. */
  readonly pageSize?: number;
  /** The `page.next` of the previous page. */
  readonly next?: string;
}

/** Digests as Clair's routes accept them. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Notification IDs are UUIDs. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const INDEXER = '/indexer/api/v1';
const MATCHER = '/matcher/api/v1';
const NOTIFIER = '/notifier/api/v1';

/** Without Retry-After, a 429 is worth retrying after about this long (indexing requests take seconds). */
const DEFAULT_TOO_MANY_REQUESTS_DELAY_MS = 1000;

/** A client for one Clair installation. Safe to share; it holds no per-request state. */
export class ClairClient {
  private readonly origins: { readonly indexer: string; readonly matcher: string; readonly notifier: string };
  private readonly timeoutMs: number;
  private readonly indexTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: ClairClientOptions) {
    const trim = (url: string) => url.replace(/\/+$/, '');
    this.origins = {
      indexer: trim(options.indexerUrl ?? options.url),
      matcher: trim(options.matcherUrl ?? options.url),
      notifier: trim(options.notifierUrl ?? options.url),
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.indexTimeoutMs = options.indexTimeoutMs ?? 600_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 256 * 1024 * 1024;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    // Fail at construction, not on the first request, when the key cannot be what Clair has.
    if (options.auth) mintClairToken(options.auth.key, options.auth.issuer);
  }

  /**
   * Indexes an image: Clair downloads every layer from `manifest.layers[].uri` with the given headers and
   * answers when done. Clair indexes a manifest only once, so this is cheap for a known image.
   *
   * @throws {@link ClairIndexError} when the report says `success: false`; {@link ClairError} `layer-fetch`
   * when Clair could not download a layer (Clair v4.9 answers 500 naming the registry's status),
   * `bad-request`, `unauthorized`, `too-many-requests` (with `retryAfterMs`), `server`, `timeout`,
   * `unavailable`.
   */
  async index(manifest: ClairManifest): Promise<IndexReport> {
    if (manifest.layers.length === 0) {
      // Clair's own answer would be a 400 "bogus manifest"; say what is actually wrong.
      throw new ClairError(`manifest ${manifest.hash} has no layers; Clair cannot index it`, {
        kind: 'bad-request',
        operation: `POST ${INDEXER}/index_report`,
      });
    }
    const operation = `POST ${INDEXER}/index_report`;
    const res = await this.send(this.origins.indexer, `${INDEXER}/index_report`, operation, {
      method: 'POST',
      body: JSON.stringify(manifest),
      timeoutMs: this.indexTimeoutMs,
    });
    if (res.status !== 201 && res.status !== 200) throw await this.failure(res, operation, true);
    const report = await this.json<IndexReport>(res, operation);
    if (!report.success || report.state === 'IndexError') throw new ClairIndexError(operation, report);
    return report;
  }

  /**
   * The index report of a manifest, `undefined` when Clair has none (404). A report may be a failed one
   * (`success: false`); the caller decides whether to re-index.
   */
  async indexReport(digest: string): Promise<IndexReport | undefined> {
    const operation = `GET ${INDEXER}/index_report/${checkDigest(digest)}`;
    const res = await this.send(this.origins.indexer, `${INDEXER}/index_report/${digest}`, operation);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) throw await this.failure(res, operation);
    return this.json<IndexReport>(res, operation);
  }

  /** Deletes a manifest's index report (Clair answers 204 whether or not it had one). */
  async deleteIndexReport(digest: string): Promise<void> {
    const operation = `DELETE ${INDEXER}/index_report/${checkDigest(digest)}`;
    const res = await this.send(this.origins.indexer, `${INDEXER}/index_report/${digest}`, operation, {
      method: 'DELETE',
    });
    if (res.status !== 204 && res.status !== 200) throw await this.failure(res, operation);
    await res.body?.cancel();
  }

  /**
   * The indexer's state token. It changes when Clair's scanners change; every manifest indexed under an
   * older state should then be indexed again.
   */
  async indexState(): Promise<string> {
    const operation = `GET ${INDEXER}/index_state`;
    const res = await this.send(this.origins.indexer, `${INDEXER}/index_state`, operation);
    if (res.status !== 200) throw await this.failure(res, operation);
    const body = await this.json<{ state?: unknown }>(res, operation);
    if (typeof body.state !== 'string') {
      throw new ClairError(`${operation}: the answer has no state`, {
        kind: 'protocol',
        operation,
        status: 200,
      });
    }
    return body.state;
  }

  /**
   * A manifest's vulnerability report, matched against the current vulnerability data on every call.
   * 202 (no vulnerability data yet) and 404 (not indexed) are answers, not errors.
   */
  async vulnerabilityReport(digest: string): Promise<VulnerabilityReportResult> {
    const operation = `GET ${MATCHER}/vulnerability_report/${checkDigest(digest)}`;
    const res = await this.send(this.origins.matcher, `${MATCHER}/vulnerability_report/${digest}`, operation);
    // The OpenAPI spec says 201; Clair writes no explicit status, so it is 200. Accept both.
    if (res.status === 200 || res.status === 201) {
      const maxAge = /(?:^|,)\s*max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1];
      const report = await this.json<VulnerabilityReport>(res, operation);
      return { kind: 'ready', report, ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}) };
    }
    if (res.status === 202 || res.status === 404) {
      await res.body?.cancel();
      return { kind: res.status === 202 ? 'not-ready' : 'not-indexed' };
    }
    throw await this.failure(res, operation);
  }

  /** One page of a notification set, announced by the notifier's webhook. */
  async notificationPage(id: string, options: NotificationPageOptions = {}): Promise<NotificationPage> {
    const operation = `GET ${NOTIFIER}/notification/${checkUuid(id)}`;
    const query = new URLSearchParams();
    if (options.pageSize !== undefined) query.set('page_size', String(options.pageSize));
    if (options.next !== undefined) query.set('next', checkUuid(options.next));
    const path = `${NOTIFIER}/notification/${id}${query.size > 0 ? `?${query}` : ''}`;
    const res = await this.send(this.origins.notifier, path, operation);
    if (res.status !== 200) throw await this.failure(res, operation);
    const page = await this.json<NotificationPage>(res, operation);
    if (!page.page || typeof page.page.size !== 'number') {
      throw new ClairError(`${operation}: the answer is not a notification page`, {
        kind: 'protocol',
        operation,
        status: 200,
      });
    }
    // Clair writes `null` for an empty page.
    return { ...page, notifications: page.notifications ?? [] };
  }

  /**
   * Acknowledges a notification set so Clair can free it early. Acknowledging twice is accepted (v4.9.0);
   * an ID Clair never issued may be answered 500 "no receipt exists" (quay/clair#1716), which comes back
   * as a `server` error.
   */
  async deleteNotification(id: string): Promise<void> {
    const operation = `DELETE ${NOTIFIER}/notification/${checkUuid(id)}`;
    const res = await this.send(this.origins.notifier, `${NOTIFIER}/notification/${id}`, operation, {
      method: 'DELETE',
    });
    if (res.status !== 200 && res.status !== 204) throw await this.failure(res, operation);
    await res.body?.cancel();
  }

  private async send(
    origin: string,
    path: string,
    operation: string,
    init: { method?: string; body?: string; timeoutMs?: number } = {},
  ): Promise<Response> {
    const auth = this.options.auth;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      const ttl = auth.ttlSeconds !== undefined ? { ttlSeconds: auth.ttlSeconds } : {};
      headers.authorization = `Bearer ${mintClairToken(auth.key, auth.issuer, ttl)}`;
    }
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    try {
      return await this.fetchFn(`${origin}${path}`, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (isTimeoutError(err)) {
        throw new ClairError(`${operation}: Clair did not answer within ${timeoutMs} ms`, {
          kind: 'timeout',
          operation,
          cause: err,
        });
      }
      throw new ClairError(`${operation}: cannot reach Clair at ${origin}: ${networkErrorText(err)}`, {
        kind: 'unavailable',
        operation,
        cause: err,
      });
    }
  }

  private async json<T>(res: Response, operation: string): Promise<T> {
    let text: string;
    try {
      text = (await readLimited(res, this.maxResponseBytes)).toString('utf8');
    } catch (err) {
      throw new ClairError(`${operation}: ${networkErrorText(err)}`, {
        kind: 'protocol',
        operation,
        cause: err,
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      // Clair reports errors that happen after it started streaming in a trailer fetch cannot read, so a
      // body cut short is the only sign of them.
      throw new ClairError(
        `${operation}: Clair's answer is not complete JSON (an error after the response started streaming?)`,
        { kind: 'protocol', operation, status: res.status, cause: err },
      );
    }
  }

  /** A {@link ClairError} for an unexpected status, with Clair's `code` and `message`. */
  private async failure(res: Response, operation: string, indexing = false): Promise<ClairError> {
    const text = await readTextForMessage(res);
    let body: Partial<ClairErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<ClairErrorBody>;
    } catch {
      // Not Clair's error JSON (a proxy in between, say); the raw text is the message.
    }
    const clairMessage = typeof body.message === 'string' ? body.message : text.trim();
    const code = typeof body.code === 'string' && body.code !== '' ? body.code : undefined;
    const layerStatus = indexing && res.status >= 500 ? layerFetchStatus(clairMessage) : undefined;
    let kind: ClairErrorKind;
    let hint = '';
    if (res.status === 400) kind = 'bad-request';
    else if (res.status === 401) {
      kind = 'unauthorized';
      hint = this.options.auth
        ? `; Clair refused the JWT: check that the key matches auth.psk.key and "${this.options.auth.issuer}" is in auth.psk.iss`
        : '; Clair requires a JWT: configure the pre-shared key (auth.psk)';
    } else if (res.status === 429) kind = 'too-many-requests';
    else if (layerStatus !== undefined) {
      kind = 'layer-fetch';
      hint =
        layerStatus === 401 || layerStatus === 403
          ? '; the registry refused Clair the layer: the registry token was missing, wrong or expired'
          : '';
    } else if (res.status >= 500) kind = 'server';
    else kind = 'protocol';
    const retryAfterMs =
      parseRetryAfter(res.headers.get('retry-after')) ??
      (res.status === 429 ? DEFAULT_TOO_MANY_REQUESTS_DELAY_MS : undefined);
    return new ClairError(
      `${operation}: Clair answered ${res.status}${clairMessage ? `: ${clairMessage}` : ''}${hint}`,
      {
        kind,
        operation,
        status: res.status,
        ...(code !== undefined ? { code } : {}),
        ...(clairMessage ? { clairMessage } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(layerStatus !== undefined ? { layerStatus } : {}),
      },
    );
  }
}

/** Refuses anything but a digest before it becomes part of a URL path. */
function checkDigest(digest: string): string {
  if (!DIGEST.test(digest)) throw new TypeError(`"${digest}" is not a sha256 or sha512 manifest digest`);
  return digest;
}

/** Refuses anything but a UUID before it becomes part of a URL. */
function checkUuid(id: string): string {
  if (!UUID.test(id)) throw new TypeError(`"${id}" is not a notification ID (a UUID)`);
  return id;
}
