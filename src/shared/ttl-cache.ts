/** A loaded value and when it stops being valid (ms since the epoch). */
export type Loaded<V> = { value: V; expiresAt: number };

/**
 * A bounded LRU cache with per-entry expiry and single-flight loading: concurrent misses for the same
 * key share one load. It stores whatever a load resolves to, until the expiry the load gives; a load
 * that rejects stores nothing. A caller that wants a failure remembered stores it as a value with its
 * own (short) expiry: the token validation keeps identities in one and final JWT refusals (`set`) in
 * another, whoami's profile loader keeps profiles and `{ available: false }` answers.
 *
 * The caller builds and scopes the keys (the validation path uses token hashes, never tokens).
 */
export class TtlCache<V> {
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
