/** An unsuccessful API-server answer, with the Kubernetes Status `reason` and `message` when there is one. */
export class ApiError extends Error {
  /**
   * @param code - HTTP status code (404 not found, 409 conflict/already exists, 422 invalid …).
   * @param reason - Kubernetes Status reason, e.g. `Conflict`, `NotFound`, `Invalid`, `Forbidden`.
   */
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** The `details.causes[].reason` values of the Status, e.g. `NamespaceTerminating`. */
    readonly causes: readonly string[] = [],
  ) {
    super(message);
  }

  /** Builds the error from a response body, naming the operation in the message. */
  static from(operation: string, code: number, body: string): ApiError {
    let reason = '';
    let detail = body.slice(0, 1000);
    let causes: string[] = [];
    try {
      const status = JSON.parse(body) as {
        reason?: string;
        message?: string;
        details?: { causes?: { reason?: string }[] };
      };
      reason = status.reason ?? '';
      detail = status.message ?? detail;
      causes = (status.details?.causes ?? []).map((c) => c.reason ?? '').filter((c) => c !== '');
    } catch {
      // Not a Status object; keep the raw text.
    }
    return new ApiError(
      code,
      reason,
      `${operation}: HTTP ${code}${reason ? ` ${reason}` : ''}: ${detail}`,
      causes,
    );
  }
}

/** True for "404 Not Found". */
export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;
/** True for "409 Conflict" caused by a stale resourceVersion (not "already exists"). */
export const isConflict = (err: unknown): boolean =>
  err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
/** True when a write was refused because its namespace is being deleted: nothing to retry. */
export const isNamespaceTerminating = (err: unknown): boolean =>
  err instanceof ApiError && err.causes.includes('NamespaceTerminating');
