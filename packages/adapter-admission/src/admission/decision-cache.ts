/**
 * A bounded LRU cache with a time to live, for admission decisions. The key names everything a decision
 * depends on (see `decision-key.ts`), so entries never need invalidating; the TTL only bounds how long an
 * entry may outlive its use, and the size bounds memory.
 */

/** Options of {@link DecisionCache}. */
export interface DecisionCacheOptions {
  /** The most entries kept; the least recently used goes first. Default 1024, as the apiserver's own cache. */
  readonly maxEntries?: number;
  /** How long an entry stays usable after it was stored, in ms. Default 5 minutes. */
  readonly ttlMs?: number;
  /** The clock, in ms; a parameter for tests. */
  readonly now?: () => number;
}

/** The default size of a {@link DecisionCache}. */
export const DEFAULT_DECISION_CACHE_ENTRIES = 1024;
/** The default TTL of a {@link DecisionCache}, in ms. */
export const DEFAULT_DECISION_CACHE_TTL_MS = 5 * 60 * 1000;

/** An LRU map with a TTL: `get` refreshes recency, never the expiry. */
export class DecisionCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: DecisionCacheOptions = {}) {
    this.#maxEntries = Math.max(0, Math.floor(options.maxEntries ?? DEFAULT_DECISION_CACHE_ENTRIES));
    this.#ttlMs = options.ttlMs ?? DEFAULT_DECISION_CACHE_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** How many entries are held, expired ones not yet evicted included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value stored under `key`, unless absent or expired; a hit becomes the most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    // A Map iterates in insertion order, so re-inserting moves the key to the most recent end.
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key`, evicting the least recently used entries beyond the size bound. */
  set(key: string, value: V): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** The value under `key`, or `compute()`'s, stored under `key` for next time. */
  remember(key: string, compute: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    this.set(key, value);
    return value;
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
