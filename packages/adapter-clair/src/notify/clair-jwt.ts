/**
 * Verification of the JWT Clair's notifier puts on its webhook POSTs when PSK authentication is
 * configured: HS256 over the base64-decoded `auth.psk.key`, issuer `clair-notifier`, `nbf` a minute back
 * and `exp` a minute ahead. Pure, so every rejection is table-tested.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The issuer Clair's notifier signs its webhook requests as. */
export const CLAIR_NOTIFIER_ISSUER = 'clair-notifier';

/** The clock skew Clair itself tolerates on `exp` and `nbf`. */
export const CLAIR_JWT_LEEWAY_SECONDS = 15;

/** Why a token was refused. */
export type ClairJwtRejection =
  /** Not three base64url parts, or a part that is not a JSON object, or a claim of the wrong type. */
  | 'malformed'
  /** `alg` is not HS256 (`none` and every asymmetric algorithm are refused). */
  | 'algorithm'
  | 'signature'
  /** `iss` missing or not allowed. */
  | 'issuer'
  /** No `exp`: a token without one could be replayed forever, and Clair always sets it. */
  | 'no-expiry'
  /** `exp` is more than the leeway in the past. */
  | 'expired'
  /** `nbf` is more than the leeway in the future. */
  | 'not-yet-valid';

/** The result of {@link verifyClairJwt}. */
export type ClairJwtVerification =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: ClairJwtRejection };

/** Options of {@link verifyClairJwt}. */
export interface ClairJwtOptions {
  /** The HMAC key: the base64-decoded pre-shared key (`decodePskKey` of `auth.psk.key`). */
  readonly key: Uint8Array;
  /** Accepted `iss` values; default [{@link CLAIR_NOTIFIER_ISSUER}]. */
  readonly issuers?: readonly string[];
  /** Seconds since the epoch; default now. */
  readonly now?: number;
  /** Default {@link CLAIR_JWT_LEEWAY_SECONDS}. */
  readonly leewaySeconds?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The token of an `Authorization: Bearer <token>` header, or `undefined`. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([^ ]+) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Verifies an HS256 JWT the way Clair's PSK middleware does: signature first, then `iss` in the allowed
 * list, then `exp` and `nbf` with leeway. Unlike Clair it requires `exp`, which Clair's own signer always
 * sets. The algorithm is fixed, never taken from the token, so `alg: none` or an RS256 token signed with
 * the key as a "public key" cannot pass.
 */
export function verifyClairJwt(token: string, options: ClairJwtOptions): ClairJwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) return reject('malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeObject(headerPart);
  if (!header) return reject('malformed');
  if (header.alg !== 'HS256') return reject('algorithm');
  // A critical extension we do not implement must fail verification (RFC 7515 §4.1.11).
  if (header.crit !== undefined) return reject('malformed');

  const expected = createHmac('sha256', options.key).update(`${headerPart}.${payloadPart}`).digest();
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return reject('signature');

  const claims = decodeObject(payloadPart);
  if (!claims) return reject('malformed');
  const issuers = options.issuers ?? [CLAIR_NOTIFIER_ISSUER];
  if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) return reject('issuer');
  const { exp, nbf } = claims;
  if (exp === undefined) return reject('no-expiry');
  if (typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) return reject('malformed');
  const now = options.now ?? Date.now() / 1000;
  const leeway = options.leewaySeconds ?? CLAIR_JWT_LEEWAY_SECONDS;
  if (now > exp + leeway) return reject('expired');
  if (typeof nbf === 'number' && now + leeway < nbf) return reject('not-yet-valid');
  return { ok: true, claims };
}

function reject(reason: ClairJwtRejection): ClairJwtVerification {
  return { ok: false, reason };
}

function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
