/**
 * Failures talking to a container registry, classified so the controller can decide what to do (retry
 * later, wait for a Secret to change, give up) and worded so a user reading a status condition knows
 * what to fix.
 */

/** What went wrong, coarsely. */
export type RegistryErrorKind =
  /** 401: no credentials, wrong credentials, or the token endpoint refused them. */
  | 'unauthorized'
  /** 403: the credentials are valid but may not pull this repository. */
  | 'forbidden'
  /** 404: no such repository, tag or digest. */
  | 'not-found'
  /** 429: the registry's rate limit (Docker Hub's pull limit, for example). */
  | 'rate-limited'
  /** 5xx, a refused connection, a reset: the registry is unwell or unreachable; retry later. */
  | 'unavailable'
  /** No answer in time. */
  | 'timeout'
  /** An answer that breaks the protocol: wrong digest, unknown media type, malformed manifest. */
  | 'protocol';

/** One entry of the distribution API's error body `{"errors":[{"code","message"}]}`. */
export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** Options of a {@link RegistryError}. */
export interface RegistryErrorOptions {
  readonly kind: RegistryErrorKind;
  /** Registry host (and port), e.g. `ghcr.io`. */
  readonly registry: string;
  /** The image or repository concerned, e.g. `ghcr.io/org/app@sha256:…`. */
  readonly image?: string;
  readonly status?: number;
  /** The registry's `errors[]`, when it sent any. */
  readonly details?: readonly RegistryErrorDetail[];
  /** From `Retry-After`, for 429 and 503. */
  readonly retryAfterMs?: number;
  /**
   * What happened, without the image the message begins with and without the fix; default the message without
   * a leading `<image>: `.
   */
  readonly problem?: string;
  /** What to change, when the message says it. */
  readonly fix?: string;
  readonly cause?: unknown;
}

/** A failed registry operation. `message` says what happened and what to change. */
export class RegistryError extends Error {
  /** What went wrong, for the caller's decision. */
  readonly kind: RegistryErrorKind;
  /** Registry host (and port). */
  readonly registry: string;
  /** The image or repository concerned, when known. */
  readonly image?: string;
  /** The HTTP status, when the registry answered. */
  readonly status?: number;
  /** The registry's `errors[]`. */
  readonly details: readonly RegistryErrorDetail[];
  /** How long the registry asked to wait (`Retry-After`). */
  readonly retryAfterMs?: number;
  /**
   * What happened, without the image and without the fix: for a sentence that names the image and gives its
   * own advice, e.g. `reading the manifest failed, registry answered 401 Unauthorized`.
   */
  readonly problem: string;
  /** What to change, when the message says it (also part of the message). */
  readonly fix?: string;

  constructor(message: string, options: RegistryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.kind = options.kind;
    this.registry = options.registry;
    this.details = options.details ?? [];
    if (options.image !== undefined) this.image = options.image;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    const image = options.image;
    this.problem = options.problem ?? (image === undefined ? message : afterImage(message, image));
    if (options.fix !== undefined) this.fix = options.fix;
  }

  /** The registry refused the credentials at hand (401, 403): another pull secret is the fix, not a retry. */
  get refused(): boolean {
    return this.kind === 'unauthorized' || this.kind === 'forbidden';
  }

  /** Worth retrying later without changing anything (rate limits, outages, timeouts). */
  get transient(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

/** Reads the distribution API's `errors[]` from a response body; `[]` when it is something else. */
export function parseRegistryErrors(body: string): RegistryErrorDetail[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.map((e) => ({
      code: typeof e.code === 'string' ? e.code : '',
      message: typeof e.message === 'string' ? e.message : '',
    }));
  } catch {
    return [];
  }
}

/**
 * `message` without a leading `<image>: ` — how registry messages begin — for a sentence that names the image
 * already; unchanged when it begins otherwise (e.g. with another name of the image, such as its digest).
 */
export function afterImage(message: string, image: string): string {
  return message.startsWith(`${image}: `) ? message.slice(image.length + 2) : message;
}
