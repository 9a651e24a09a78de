/**
 * The JWT Clair's pre-shared-key authentication accepts: HS256, signed with the base64-decoded
 * `auth.psk.key`, with an `iss` from `auth.psk.iss`. Clair checks `exp` and `nbf` only when present, with
 * 15 s of leeway; both are set so a leaked token is useless within minutes.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Options of {@link mintClairToken}. */
export interface MintTokenOptions {
  /** Seconds from now until `exp`; default 60. */
  readonly ttlSeconds?: number;
  /** The current time in seconds since the epoch; a parameter for tests. */
  readonly now?: number;
}

/** Thrown for a pre-shared key that is not what `auth.psk.key` must hold. */
export class InvalidPskKeyError extends Error {
  constructor(reason: string) {
    super(`the Clair pre-shared key (auth.psk.key) ${reason}`);
    this.name = 'InvalidPskKeyError';
  }
}

/** Standard base64 with padding, as Clair's config decoder (Go's `base64.StdEncoding`) insists. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key from `auth.psk.key`. Node's base64 decoder skips characters it does not know, so a key
 * that Clair would refuse is checked here rather than silently signing with other bytes.
 *
 * @throws {@link InvalidPskKeyError} for an empty or non-base64 key.
 */
export function decodePskKey(pskKey: string): Buffer {
  const trimmed = pskKey.trim();
  if (trimmed === '') throw new InvalidPskKeyError('is empty');
  if (!STD_BASE64.test(trimmed)) throw new InvalidPskKeyError('is not standard padded base64');
  return Buffer.from(trimmed, 'base64');
}

/** A random pre-shared key for `auth.psk.key`: 32 bytes, base64-encoded as the config expects. */
export function generatePskKey(): string {
  return randomBytes(32).toString('base64');
}

function base64url(data: string): string {
  return Buffer.from(data, 'utf8').toString('base64url');
}

/**
 * Mints a JWT for Clair's API: `{iss, iat: now, nbf: now − 60, exp: now + ttl}`, signed HS256.
 * `nbf` a minute back tolerates a clock that runs ahead of Clair's.
 *
 * @param pskKey - the key exactly as written in `auth.psk.key` (base64).
 * @param issuer - one of `auth.psk.iss` (or `clair-intraservice`).
 * @throws {@link InvalidPskKeyError} for a key Clair itself would refuse.
 */
export function mintClairToken(pskKey: string, issuer: string, options: MintTokenOptions = {}): string {
  const key = decodePskKey(pskKey);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ iss: issuer, iat: now, nbf: now - 60, exp: now + (options.ttlSeconds ?? 60) }),
  );
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
