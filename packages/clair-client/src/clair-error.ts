/**
 * Failures of Clair API calls, typed so the controller can decide what to do without parsing messages:
 * the client itself never retries (backoff belongs to the controller, which sees every image), so it
 * must say whether a retry can help and when.
 */
import type { IndexReport } from './api-types.js';

/** What went wrong. */
export type ClairErrorKind =
  /** 400: Clair refused the request (a bogus manifest, a layer in a format it cannot read). */
  | 'bad-request'
  /** 401: no JWT, a JWT signed with another key, or an issuer Clair does not accept. */
  | 'unauthorized'
  /** 429: too many concurrent index requests; retry after {@link ClairError.retryAfterMs}. */
  | 'too-many-requests'
  /** Indexing failed because Clair could not download a layer (the registry refused or lost it). */
  | 'layer-fetch'
  /** The index report came back with `success: false` / `state: IndexError`. */
  | 'index-failed'
  /** Any other 5xx. */
  | 'server'
  /** Clair could not be reached, or the connection broke. */
  | 'unavailable'
  /** No answer in time. */
  | 'timeout'
  /** An answer the client cannot use (unexpected status, a body that is not the JSON it should be). */
  | 'protocol';

/** Options of a {@link ClairError}. */
export interface ClairErrorOptions {
  readonly kind: ClairErrorKind;
  /** e.g. `POST /indexer/api/v1/index_report`. */
  readonly operation: string;
  readonly status?: number;
  /** Clair's `code` from the error body. */
  readonly code?: string;
  /** Clair's `message` from the error body (or the report's `err`). */
  readonly clairMessage?: string;
  readonly retryAfterMs?: number;
  /** For `layer-fetch`: the HTTP status the registry gave Clair, when Clair's message names it. */
  readonly layerStatus?: number;
  readonly cause?: unknown;
}

/** A failed Clair API call. */
export class ClairError extends Error {
  /** What went wrong, for the caller's decision. */
  readonly kind: ClairErrorKind;
  /** The request, e.g. `POST /indexer/api/v1/index_report`. */
  readonly operation: string;
  /** The HTTP status, when Clair answered. */
  readonly status?: number;
  /** Clair's `code`. */
  readonly code?: string;
  /** Clair's `message` (or a failed report's `err`). */
  readonly clairMessage?: string;
  /** How long to wait before retrying, when Clair said (Retry-After) or the kind implies it. */
  readonly retryAfterMs?: number;
  /** The status the registry gave Clair for a layer, when Clair's message names one. */
  readonly layerStatus?: number;

  constructor(message: string, options: ClairErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClairError';
    this.kind = options.kind;
    this.operation = options.operation;
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
    if (options.clairMessage !== undefined) this.clairMessage = options.clairMessage;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.layerStatus !== undefined) this.layerStatus = options.layerStatus;
  }

  /**
   * Whether the same request may succeed later unchanged. A layer the registry refused with 401 also
   * counts: the registry token handed to Clair may simply have expired, and a retry mints a new one.
   */
  get retryable(): boolean {
    switch (this.kind) {
      case 'too-many-requests':
      case 'server':
      case 'unavailable':
      case 'timeout':
        return true;
      case 'layer-fetch':
        return this.layerStatus === undefined || this.layerStatus === 401 || this.layerStatus >= 500;
      case 'index-failed':
        // Clair indexes a failed manifest again on the next POST; that helps when a layer fetch failed
        // for a reason that passes (see above), not when a layer is unreadable.
        return this.layerStatus === 401 || (this.layerStatus ?? 0) >= 500;
      default:
        return false;
    }
  }
}

/** Indexing finished but failed: the report says `success: false`, with Clair's reason in `err`. */
export class ClairIndexError extends ClairError {
  constructor(
    operation: string,
    /** The report as Clair returned it. */
    readonly report: IndexReport,
  ) {
    const layerStatus = layerFetchStatus(report.err);
    super(
      `Clair could not index ${report.manifest_hash} (state ${report.state}): ${report.err || 'no reason given'}`,
      {
        kind: 'index-failed',
        operation,
        clairMessage: report.err,
        ...(layerStatus !== undefined ? { layerStatus } : {}),
      },
    );
    this.name = 'ClairIndexError';
  }
}

/**
 * The HTTP status a registry gave Clair for a layer, read from Clair's error text (e.g. "failed to fetch
 * layers: … unexpected status code: 401 Unauthorized"); `undefined` when the text is not about a layer
 * fetch or names no status. Clair reports this only as prose, so prose is what is read.
 */
export function layerFetchStatus(message: string | undefined): number | undefined {
  if (!message || !/fetch/i.test(message)) return undefined;
  const m =
    /\b([1-5]\d\d) [A-Z][A-Za-z-]*(?: [A-Z][A-Za-z-]*)*/.exec(message) ??
    /status(?: code)?:? (\d{3})\b/i.exec(message);
  return m?.[1] ? Number(m[1]) : undefined;
}
