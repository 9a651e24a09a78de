import { createHmac, randomBytes } from 'node:crypto';

/** Options of {@link mintClairToken}. */
export interface MintTokenOptions {
  /** Lifetime in seconds; default 60. Clair allows 15 s of clock skew on `exp` and `nbf`. */
  readonly ttlSeconds?: number;
  /** The current time in seconds since the epoch; a parameter for tests. */
  readonly now?: number;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A random pre-shared key for Clair's `auth.psk.key`: 32 bytes, base64-encoded as the config expects. */
export function generatePskKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Mints the JWT Clair's PSK authentication accepts: HS256, signed with the base64-decoded pre-shared key,
 * with `iss` one of the configured issuers and `iat`/`nbf`/`exp` around now.
 *
 * @param pskKey - the key exactly as written in `auth.psk.key` (base64).
 */
export function mintClairToken(pskKey: string, issuer: string, options: MintTokenOptions = {}): string {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  // nbf a minute back tolerates a test machine whose clock is slightly ahead of Clair's view.
  const payload = base64url(
    JSON.stringify({ iss: issuer, iat: now, nbf: now - 60, exp: now + (options.ttlSeconds ?? 60) }),
  );
  const signature = createHmac('sha256', Buffer.from(pskKey, 'base64'))
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}
