import { hash } from 'node:crypto';

/**
 * SHA-256 of a token, base64url: the only form in which a token is ever kept. Node's one-shot
 * `crypto.hash` (Node ≥ 20.12): on every request, `createHash` built a native Hash object (a C++
 * object behind a global handle) only to digest one string.
 */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** A loaded value and when it stops being valid (ms since the epoch). */
export type Loaded<V> = { value: V; expiresAt: number };

/**
 * A cache level behind {@link ValidationCache}, e.g. one shared by replicas (src/cluster/): called on
 * a local miss with the key (a hash, never the token) and the upstream loader.
 */
export type SharedCache = <V>(key: string, load: () => Promise<Loaded<V>>) => Promise<Loaded<V>>;

/**
 * A bounded LRU cache of successful validations with per-entry expiry and single-flight loading:
 * concurrent misses for the same key share one upstream call. Failures are never stored.
 *
 * Keys are hashes (see {@link tokenHash}); the caller scopes them (validation path, audience).
 */
export class ValidationCache<V> {
  readonly #entries = new Map<string, Loaded<V>>();
  readonly #inflight = new Map<string, Promise<V>>();

  constructor(
    readonly maxEntries: number,
    /** Milliseconds since the epoch; injectable for tests. */
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Refresh recency: Map keeps insertion order, so re-insert at the end.
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.value;
  }

  /** Stores `value` until `expiresAt` (ms). An expiry in the past stores nothing. */
  set(key: string, value: V, expiresAt: number): void {
    if (expiresAt <= this.now()) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /**
   * Returns the cached value, or runs `load` once for all concurrent callers of `key`.
   * `load` returns the value and its expiry (ms since epoch); a rejection reaches every waiter
   * and leaves nothing behind.
   */
  async getOrLoad(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = load()
        .then(({ value, expiresAt }) => {
          this.set(key, value, expiresAt);
          return value;
        })
        .finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }
}
