/**
 * Registry Bearer tokens, kept until shortly before they expire. Without a cache every manifest GET
 * costs a 401 and a token round trip, and token endpoints (Docker Hub's in particular) rate-limit.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from './credentials.js';

/** Lifetime the token spec prescribes when a token endpoint leaves `expires_in` out. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

/** A registry's token endpoint, as its Bearer challenge named it. */
export interface BearerRealm {
  readonly scheme: 'bearer';
  readonly realm: string;
  readonly service?: string;
}

/** A token, and when it stops being usable (epoch milliseconds, measured on this machine). */
export interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Options of a {@link TokenCache}. */
export interface TokenCacheOptions {
  /**
   * Stop using a token this long before it expires, so a request does not reach the registry just after.
   * Default 10 s, and never more than half the token's lifetime.
   */
  readonly marginMs?: number;
  /** The most tokens kept; the oldest go first. Default 1000. */
  readonly maxEntries?: number;
  /** The clock; a parameter for tests. */
  readonly now?: () => number;
}

/**
 * Who a token was issued to: never the password itself, but a hash of it, so that tokens of different
 * identities never mix — a token fetched with one namespace's pull secret must not serve another's pods.
 */
export function credentialIdentity(credentials: RegistryCredentials | undefined): string {
  if (!credentials) return 'anonymous';
  return createHash('sha256')
    .update(`${credentials.username}\u0000${credentials.password}`)
    .digest('hex')
    .slice(0, 32);
}

/** The cache key of a token: the registry origin, the identity and the scope it was requested for. */
export function tokenCacheKey(
  origin: string,
  credentials: RegistryCredentials | undefined,
  scope: string,
): string {
  return `${origin} ${credentialIdentity(credentials)} ${scope}`;
}

/** An in-memory token cache; one can be shared by every registry client of a process. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly realms = new Map<string, BearerRealm>();
  private readonly marginMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.marginMs = options.marginMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** A token that stays valid for at least the margin, or `undefined`. */
  get(key: string): string | undefined {
    const entry = this.tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /**
   * Stores a token received now with a lifetime of `expiresInSeconds` (default 60 s). The margin is taken
   * off here, capped at half the lifetime so even a very short-lived token is used at least once.
   */
  set(key: string, token: string, expiresInSeconds?: number): void {
    const lifetimeMs =
      (expiresInSeconds !== undefined && expiresInSeconds > 0
        ? expiresInSeconds
        : DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000;
    const margin = Math.min(this.marginMs, lifetimeMs / 2);
    this.tokens.delete(key); // Re-inserting moves the key to the end of the eviction order.
    this.tokens.set(key, { token, expiresAt: this.now() + lifetimeMs - margin });
    if (this.tokens.size > this.maxEntries) this.evict();
  }

  /**
   * Remembers where a registry origin's tokens come from, so a client meeting that registry again asks
   * the realm directly instead of first collecting a 401.
   */
  rememberRealm(origin: string, realm: BearerRealm): void {
    this.realms.set(origin, realm);
    if (this.realms.size > this.maxEntries) {
      const oldest = this.realms.keys().next().value;
      if (oldest !== undefined) this.realms.delete(oldest);
    }
  }

  /** The token realm of a registry origin, when one was seen. */
  realm(origin: string): BearerRealm | undefined {
    return this.realms.get(origin);
  }

  /** Forgets a token, e.g. after the registry rejected it. */
  delete(key: string): void {
    this.tokens.delete(key);
  }

  /** How many tokens are held (including expired ones not yet noticed). */
  get size(): number {
    return this.tokens.size;
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(key);
    // Map iteration is insertion order, so the first keys are the oldest.
    for (const key of this.tokens.keys()) {
      if (this.tokens.size <= this.maxEntries) break;
      this.tokens.delete(key);
    }
  }
}
