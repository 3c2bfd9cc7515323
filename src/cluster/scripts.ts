/**
 * The Lua scripts of the session directory. Each runs atomically in Redis, so a reservation and
 * the look at every other replica's counts are one step across every replica. Time comes from
 * Redis (`TIME`), so replicas' clocks never disagree about who is alive. They touch keys built from
 * a prefix (single-node Redis or a primary/replica pair; not Redis Cluster).
 *
 * Keys: `<p>replicas` (sorted set: replica id → alive-until, ms), `<p>urls` (hash: replica id →
 * its sealed entry `epoch url`), `<p>counts:<replica>` (hash: owner hash → `n.MAC`, `*` → all),
 * `<p>s:<session id>` (hash: r = replica, k = kind, e = expiry, m = MAC), `<p>repair:<replica>`
 * (a flag: another replica found one of its counts not authentic).
 *
 * No script can check a MAC (the key is not in Redis, and must not be sent there): a script only
 * moves values; the replica that gets them back checks every one (./directory.ts). So a script
 * returns the sealed values themselves, never a number it computed from them.
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

/**
 * KEYS: replicas, urls, counts:<me>, repair:<me>. ARGV: me, sealed url entry, aliveMs, most fields.
 * Marks this replica alive; returns {whether another replica asked it to republish (the flag is
 * taken), the number of fields of its counts hash, then each field and value (only when there are
 * at most `most`)}, so the replica notices when any of its counts was changed, deleted or added.
 */
export const HEARTBEAT = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]) * 2)
local out = {redis.call('GETDEL', KEYS[4]) or '', redis.call('HLEN', KEYS[3])}
if out[2] <= tonumber(ARGV[4]) then
  for _, v in ipairs(redis.call('HGETALL', KEYS[3])) do table.insert(out, v) end
end
return out`;

/**
 * KEYS: replicas, urls. ARGV: prefix, me, owner hash, my sealed total, my sealed count for the
 * owner, counts TTL ms. Drops dead replicas, writes `me`'s counts with the new place already in
 * them, and returns — in the same atomic step — every other live replica's
 * `{id, url entry, total, count for the owner}` (sealed, '' when absent), flattened. The replica
 * checks them and gives the place back if a cap is exceeded: of two concurrent reservations the
 * later always sees the earlier, so the caps are never overshot (both may be refused).
 */
export const RESERVE = `${NOW}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('DEL', ARGV[1] .. 'counts:' .. id)
end
local k = ARGV[1] .. 'counts:' .. ARGV[2]
redis.call('HSET', k, '*', ARGV[4], ARGV[3], ARGV[5])
redis.call('PEXPIRE', k, tonumber(ARGV[6]))
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[2] then
    local c = redis.call('HMGET', ARGV[1] .. 'counts:' .. id, '*', ARGV[3])
    table.insert(out, id)
    table.insert(out, redis.call('HGET', KEYS[2], id) or '')
    table.insert(out, c[1] or '')
    table.insert(out, c[2] or '')
  end
end
return out`;

/**
 * KEYS: s:<id>, replicas, urls. Returns nil (unknown), or {r, k, e, m, url entry} with an empty
 * url entry when the holder is dead (its entry is dropped then).
 */
export const LOCATE = `local s = redis.call('HMGET', KEYS[1], 'r', 'k', 'e', 'm')
if not s[1] then return nil end
${NOW}
local alive = redis.call('ZSCORE', KEYS[2], s[1])
if not alive or tonumber(alive) < now then
  redis.call('DEL', KEYS[1])
  return {s[1], s[2] or '', s[3] or '', s[4] or '', ''}
end
return {s[1], s[2] or '', s[3] or '', s[4] or '', redis.call('HGET', KEYS[3], s[1]) or ''}`;

/** KEYS: lock. ARGV: token. Drops the lock only if it is still ours. */
export const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
