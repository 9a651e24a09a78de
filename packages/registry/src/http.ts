/**
 * Small HTTP helpers shared by the registry and Clair clients, both of which use Node's built-in `fetch`
 * (undici): it pools keep-alive connections per origin by default, follows redirects and drops
 * `Authorization` when a redirect leaves the origin — what a registry's CDN redirect needs.
 */

/** The `fetch` signature the clients call; tests may pass their own. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** True for the errors `fetch` throws when an `AbortSignal.timeout` fires. */
export function isTimeoutError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** The most useful text of a network error: undici hides the reason (ECONNREFUSED, …) in `cause`. */
export function networkErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code}: ${cause.message}`
      : cause.message;
  }
  return err.message;
}

/**
 * Reads a response body as bytes, refusing more than `limit` — a manifest or an error body is small, and a
 * misbehaving server must not be able to make the controller buffer gigabytes.
 *
 * @throws an `Error` saying the body exceeded the limit; the stream is cancelled first.
 */
export async function readLimited(res: Response, limit: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new Error(`the response body is ${declared} bytes, more than the ${limit} allowed`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the response body is more than the ${limit} bytes allowed`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads at most `limit` bytes of a body as text, for error messages; never throws. */
export async function readTextForMessage(res: Response, limit = 4096): Promise<string> {
  try {
    return (await readLimited(res, 1024 * 1024)).toString('utf8').slice(0, limit);
  } catch {
    return '';
  }
}

/**
 * Milliseconds to wait from a `Retry-After` header (delay-seconds or an HTTP date); `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** True for hosts that can only be this machine: `localhost`, 127.0.0.0/8 and `[::1]`, with any port. */
export function isLoopbackHost(hostWithPort: string): boolean {
  const portAt = hostWithPort.lastIndexOf(':');
  const host =
    portAt > hostWithPort.lastIndexOf(']') ? hostWithPort.slice(0, portAt) : hostWithPort.toLowerCase();
  const lower = host.toLowerCase();
  return lower === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(lower) || lower === '[::1]';
}
