/**
 * Scrubs credentials out of text bound for a log line: the userinfo of URLs (`https://user:password@host`), the
 * credentials of `Bearer` and `Basic` authorizations, and JSON Web Tokens. Every nimbus-ts logger runs every string
 * it writes through {@link redactSecrets}, so that a credential that reached an error message (a URL from the
 * environment, a registry or Clair echoing a request header) does not reach the logs. Names of Secrets are not
 * credentials and are kept.
 */

/** What stands where a credential was. */
export const REDACTED = '[redacted]';

// scheme://userinfo@ — userinfo is everything up to the last @ before the host; no slash, space or quote in it.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
// An authorization's credentials: a bearer token, or base64 user:password.
const AUTHORIZATION = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
// A JWT: three base64url parts, the first two of which start with `{"` encoded (eyJ).
const JWT = /\beyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/**
 * `text` with every credential it recognises replaced by {@link REDACTED}.
 *
 * @example
 * ```ts
 * redactSecrets('cannot reach http://clair:hunter2@clair:6060'); // 'cannot reach http://[redacted]@clair:6060'
 * ```
 */
export function redactSecrets(text: string): string {
  if (!text.includes('://') && !/Bearer|Basic|eyJ/.test(text)) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(AUTHORIZATION, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED);
}

/**
 * A copy of `value` with {@link redactSecrets} applied to every string in it, however deep (up to a bound: deeper
 * values are replaced, since a log line does not need them). Errors become their message and stack.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[too deep]';
  if (value instanceof Error) {
    return {
      message: redactSecrets(value.message),
      ...(value.stack ? { stack: redactSecrets(value.stack) } : {}),
    };
  }
  // What JSON would write for it: a Date its ISO string, a URL its href (with its userinfo scrubbed).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return redactValue(toJSON.call(value), depth + 1);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item, depth + 1);
  return copy;
}
