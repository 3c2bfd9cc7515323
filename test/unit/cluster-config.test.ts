import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SessionLimitError, SessionRegistry, type SessionDirectory } from '../../src/transports/sessions.js';

describe('several instances: configuration and the registry/directory contract', () => {
  it('REDIS_URL unset → one process; redis:// and rediss:// accepted, with REPLICA_ID and REPLICA_URL', () => {
    assert.equal(loadConfig({}).redisUrl, undefined);
    assert.equal(loadConfig({ REDIS_URL: '' }).redisUrl, undefined);
    const c = loadConfig({ REDIS_URL: 'rediss://:pw@redis.internal:6380/0', REPLICA_ID: 'web-1', REPLICA_URL: 'http://10.0.0.5:3001', CLUSTER_SECRET: 'x'.repeat(32) });
    assert.equal(c.redisUrl, 'rediss://:pw@redis.internal:6380/0');
    assert.equal(c.replicaId, 'web-1');
    assert.equal(c.replicaUrl, 'http://10.0.0.5:3001');
  });

  it('a wrong REDIS_URL or REPLICA_ID is a configuration error that never repeats the URL (it may hold a password)', () => {
    assert.throws(
      () => loadConfig({ REDIS_URL: 'http://user:s3cret@redis:6379', REPLICA_ID: 'no spaces' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 2 && !e.message.includes('s3cret') && /REDIS_URL/.test(e.message) && /REPLICA_ID/.test(e.message),
    );
  });

  it('CLUSTER_SECRET: required with REDIS_URL, at least 32 bytes; the error never repeats it; kept as a Secret', () => {
    assert.throws(
      () => loadConfig({ REDIS_URL: 'redis://redis:6379' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && /^CLUSTER_SECRET: required with REDIS_URL/.test(e.problems[0]!),
    );
    const short = 'short-secret-31-bytes-long-xxxx';
    assert.equal(Buffer.byteLength(short), 31);
    assert.throws(
      () => loadConfig({ REDIS_URL: 'redis://redis:6379', CLUSTER_SECRET: short }),
      (e: unknown) => e instanceof ConfigError && /CLUSTER_SECRET: too short/.test(e.message) && !e.message.includes(short),
    );
    const c = loadConfig({ REDIS_URL: 'redis://redis:6379', CLUSTER_SECRET: `${short}y` });
    assert.equal(c.clusterSecret?.reveal(), `${short}y`);
    assert.equal(JSON.stringify(c.clusterSecret), '"[redacted]"');
    // Without REDIS_URL it is not used (and not required).
    assert.equal(loadConfig({ CLUSTER_SECRET: 'x' }).clusterSecret, undefined);
  });

  it('admit: the directory counts a place until the session opens or the place is given back; its refusal frees the local place', async () => {
    const calls: string[] = [];
    let refuse = false;
    const directory: SessionDirectory = {
      reserve: async (owner) => {
        calls.push(`reserve ${owner}`);
        if (refuse) throw new SessionLimitError(429);
      },
      unreserve: (owner) => void calls.push(`unreserve ${owner}`),
      added: (s) => void calls.push(`added ${s.id}`),
      removed: (s) => void calls.push(`removed ${s.id}`),
    };
    const registry = new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 10, maxPerOwner: 1, directory });
    // Opened: added, released as opened → nothing given back; removing it tells the directory.
    const opened = await registry.admit('a');
    registry.add({ id: 's1', kind: 'sse', owner: 'a', lastSeen: Date.now(), transport: {} as never, close: async () => {} });
    opened(true);
    opened(); // idempotent
    // Failed to open: the place goes back.
    const failed = await registry.admit('b');
    failed();
    // The directory refuses (cluster-wide cap): the local place is freed too.
    refuse = true;
    await assert.rejects(registry.admit('c'), SessionLimitError);
    refuse = false;
    const again = await registry.admit('c');
    again();
    registry.remove('s1');
    assert.deepEqual(calls, ['reserve a', 'added s1', 'reserve b', 'unreserve b', 'reserve c', 'reserve c', 'unreserve c', 'removed s1']);
    await registry.closeAll();
  });
});
