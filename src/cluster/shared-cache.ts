import { randomUUID } from 'node:crypto';
import type { Loaded, SharedCache } from '../auth/cache.js';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { KEY_PREFIX, type RedisLink } from './redis.js';
import { runScript, UNLOCK } from './scripts.js';

export interface SharedCacheOptions {
  /** How long the holder of a key's lock may take (the upstream timeout); also bounds how long others wait. */
  lockMs: number;
  /** How often a waiting replica looks for the result. Default 20 ms. */
  pollMs?: number;
  logger: Logger;
  /** Told of every shared lookup (hit, or miss → this replica loads) and of Redis failures. */
  observer?: Observer | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cache level in Redis, behind each replica's local LRU, with a cross-replica single flight:
 * the first replica to miss takes a lock (`SET NX PX`) and calls upstream; the others poll for the
 * result (at most one poller per replica and key: the local single flight sits in front), up to
 * `lockMs`, then load themselves. Keys are the callers' (`userinfo:<sha256>`): the raw token is
 * never written. An entry lives until the `expiresAt` the loader gave it, never longer; failures
 * are never stored — the lock is dropped and the next waiter tries. Redis unreachable or slow:
 * straight to `load`, as without Redis.
 */
export function createSharedCache(link: RedisLink, options: SharedCacheOptions): SharedCache {
  const pollMs = options.pollMs ?? 20;
  const client = link.client;
  const observer = options.observer ?? NOOP_OBSERVER;
  const warn = (error: unknown) => {
    observer.redisError('shared_cache');
    options.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'shared cache: redis failed, validating locally');
  };

  /** The stored result, or undefined; throws on Redis errors. */
  const read = async <V>(key: string): Promise<Loaded<V> | undefined> => {
    const raw = await client.get(`${KEY_PREFIX}v:${key}`);
    if (raw === null) return undefined;
    const entry = JSON.parse(raw) as Loaded<V>;
    return entry.expiresAt > Date.now() ? entry : undefined;
  };

  return async <V>(key: string, load: () => Promise<Loaded<V>>): Promise<Loaded<V>> => {
    if (!link.up) return load();
    const lockKey = `${KEY_PREFIX}lock:${key}`;
    const me = randomUUID();
    const deadline = Date.now() + options.lockMs;
    let locked = false;
    try {
      for (;;) {
        const hit = await read<V>(key);
        if (hit) {
          observer.cache('shared', true);
          return hit;
        }
        locked = (await client.set(lockKey, me, { condition: 'NX', expiration: { type: 'PX', value: options.lockMs } })) === 'OK';
        if (locked) {
          observer.cache('shared', false);
          break;
        }
        if (Date.now() >= deadline) return load();
        await sleep(pollMs);
      }
    } catch (error) {
      warn(error);
      return load();
    }
    try {
      const loaded = await load();
      const ttl = loaded.expiresAt - Date.now();
      if (ttl > 0) await client.set(`${KEY_PREFIX}v:${key}`, JSON.stringify(loaded), { expiration: { type: 'PX', value: ttl } }).catch(warn);
      return loaded;
    } finally {
      // Drop the lock only if it is still ours (it expires on its own after lockMs).
      void runScript(client, UNLOCK, { keys: [lockKey], arguments: [me] }).catch(() => {});
    }
  };
}
