/**
 * The Lua scripts of the session directory. Each runs atomically in Redis, so a cap check and its
 * reservation are one step across every replica. Time comes from Redis (`TIME`), so replicas'
 * clocks never disagree about who is alive. They touch keys built from a prefix (single-node
 * Redis or a primary/replica pair; not Redis Cluster).
 *
 * Keys: `<p>replicas` (sorted set: replica id → alive-until, ms), `<p>urls` (hash: replica id →
 * the URL other replicas forward to), `<p>counts:<replica>` (hash: owner hash → sessions held,
 * `*` → all), `<p>s:<session id>` (hash: o = owner hash, r = replica, k = kind).
 */

import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.js';

/**
 * Runs a script by its SHA-1 (`EVALSHA`), sending the text only when Redis does not know it yet
 * (`NOSCRIPT`: first use, or Redis restarted), so a request's lookup does not carry the script.
 */
export function runScript(client: RedisClient, script: string, options: { keys: string[]; arguments?: string[] }): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return client.evalSha(sha, options).catch((error: unknown) => {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return client.eval(script, options);
    throw error;
  });
}
const shas = new Map<string, string>();

const NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS: replicas, urls, counts:<me>. ARGV: me, url, aliveMs. Marks this replica alive. */
export const HEARTBEAT = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]) * 2)
return now`;

/**
 * KEYS: replicas, urls. ARGV: prefix, me, owner hash, max sessions, max per owner, counts TTL ms.
 * Drops dead replicas, sums the live ones' counts, and reserves one place on `me` if both caps
 * allow. Returns 0, or 429 / 503 (the cap hit).
 */
export const RESERVE = `${NOW}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('DEL', ARGV[1] .. 'counts:' .. id)
end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local seen = false
for _, id in ipairs(ids) do if id == ARGV[2] then seen = true end end
if not seen then table.insert(ids, ARGV[2]) end
local total, mine = 0, 0
for _, id in ipairs(ids) do
  local c = redis.call('HMGET', ARGV[1] .. 'counts:' .. id, '*', ARGV[3])
  total = total + (tonumber(c[1]) or 0)
  mine = mine + (tonumber(c[2]) or 0)
end
if mine >= tonumber(ARGV[5]) then return 429 end
if total >= tonumber(ARGV[4]) then return 503 end
local k = ARGV[1] .. 'counts:' .. ARGV[2]
redis.call('HINCRBY', k, '*', 1)
redis.call('HINCRBY', k, ARGV[3], 1)
redis.call('PEXPIRE', k, tonumber(ARGV[6]))
return 0`;

/** KEYS: counts:<me>, s:<id> (or the counts key again when there is no session). ARGV: owner hash. One place less. */
export const RELEASE = `if KEYS[2] ~= KEYS[1] then redis.call('DEL', KEYS[2]) end
for _, f in ipairs({ARGV[1], '*'}) do
  if redis.call('HINCRBY', KEYS[1], f, -1) <= 0 then redis.call('HDEL', KEYS[1], f) end
end
return 0`;

/**
 * KEYS: s:<id>, replicas, urls. Returns nil (unknown), or {owner hash, replica, kind, url} with an
 * empty url when the holder is dead (its entry is dropped then).
 */
export const LOCATE = `local s = redis.call('HMGET', KEYS[1], 'o', 'r', 'k')
if not s[1] or not s[2] then return nil end
${NOW}
local alive = redis.call('ZSCORE', KEYS[2], s[2])
if not alive or tonumber(alive) < now then
  redis.call('DEL', KEYS[1])
  return {s[1], s[2], s[3] or '', ''}
end
return {s[1], s[2], s[3] or '', redis.call('HGET', KEYS[3], s[2]) or ''}`;

/** KEYS: lock. ARGV: token. Drops the lock only if it is still ours. */
export const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
