import { randomUUID } from 'node:crypto';
import type { SharedCache } from '../auth/cache.js';
import type { Loaded } from '../shared/ttl-cache.js';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import type { IntegrityLog } from './integrity.js';
import { KEY_PREFIX, type RedisLink } from './redis.js';
import type { ClusterKeys } from './seal.js';
import { runScript, UNLOCK } from './scripts.js';

export interface SharedCacheOptions {
  /** How long the holder of a key's lock may take (the upstream timeout); also bounds how long others wait. */
  lockMs: number;
  /** How often a waiting replica looks for the result. Default 20 ms. */
  pollMs?: number;
  logger: Logger;
  /** Seals every stored result and checks it when read back. */
  keys: ClusterKeys;
  integrity: IntegrityLog;
  /** Told of every shared lookup (hit, or miss → this replica loads) and of Redis failures. */
  observer?: Observer | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cache level in Redis, behind each replica's local LRU, with a cross-replica single flight:
 * the first replica to miss takes a lock (`SET NX PX`) and calls upstream; the others poll for the
 * result (at most one poller per replica and key: the local single flight sits in front), up to
 * `lockMs`, then load themselves. Keys are the callers' (`userinfo:<sha256>`): the raw token is
 * never written. A result is stored sealed (./seal.ts: a MAC over its Redis key, its expiry and
 * itself, keyed by CLUSTER_SECRET): one read back that is not authentic, was copied from another
 * key or is past its expiry is a miss — counted, logged without its content, and loaded afresh.
 * A lock holds no identity: a forged one only makes others wait (at most `lockMs`) and load. An entry lives until the `expiresAt` the loader gave it, never longer; failures
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
    const redisKey = `${KEY_PREFIX}v:${key}`;
    const raw = await client.get(redisKey);
    if (raw === null) return undefined;
    const opened = options.keys.open(redisKey, raw);
    if (!opened.ok) {
      // Our own entries expire in Redis at the same instant (PX): 'expired' is a revived one (or a
      // writer's clock behind this replica's) — a miss like the others.
      options.integrity.failed('validation', opened.reason);
      return undefined;
    }
    return { value: (JSON.parse(opened.payload) as { value: V }).value, expiresAt: opened.expiresAt };
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
      if (ttl > 0) {
        const redisKey = `${KEY_PREFIX}v:${key}`;
        const sealed = options.keys.seal(redisKey, loaded.expiresAt, JSON.stringify({ value: loaded.value }));
        await client.set(redisKey, sealed, { expiration: { type: 'PX', value: ttl } }).catch(warn);
      }
      return loaded;
    } finally {
      // Drop the lock only if it is still ours (it expires on its own after lockMs).
      void runScript(client, UNLOCK, { keys: [lockKey], arguments: [me] }).catch(() => {});
    }
  };
}
