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
  ) {
    super(message);
  }

  /** Builds the error from a response body, naming the operation in the message. */
  static from(operation: string, code: number, body: string): ApiError {
    let reason = '';
    let detail = body.slice(0, 1000);
    try {
      const status = JSON.parse(body) as { reason?: string; message?: string };
      reason = status.reason ?? '';
      detail = status.message ?? detail;
    } catch {
      // Not a Status object; keep the raw text.
    }
    return new ApiError(code, reason, `${operation}: HTTP ${code}${reason ? ` ${reason}` : ''}: ${detail}`);
  }
}

/** True for "404 Not Found". */
export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;
/** True for "409 Conflict" caused by a stale resourceVersion (not "already exists"). */
export const isConflict = (err: unknown): boolean =>
  err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
