/**
 * `npm run test:cluster`, a replica's own counts in Redis: a MAC cannot stop a per-owner
 * count in `lwm:counts:<replica>` being deleted or an older authentic one put back; the replica's
 * next heartbeat must notice and rewrite it, so that the cluster-wide MAX_SESSIONS_PER_SUBJECT holds
 * again within one heartbeat. Two RedisSessionDirectory instances (two replicas' directories) on a
 * real redis-server; places are taken with `reserve`, as the session registry does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { ownerHash, RedisSessionDirectory } from '../../src/cluster/directory.js';
import { IntegrityLog } from '../../src/cluster/integrity.js';
import { connectRedis, type RedisLink } from '../../src/cluster/redis.js';
import { ClusterKeys } from '../../src/cluster/seal.js';
import { createLogger } from '../../src/log.js';
import { SessionLimitError } from '../../src/transports/sessions.js';
import { freePort } from '../support/harness.js';
import { startRedis, type Proc } from '../../bench/support/processes.js';

const HEARTBEAT_MS = 300;
const keys = new ClusterKeys('counts-test-secret-4b8e1d7a2c9f0e3b6a5d8c1f');
const logger = createLogger('silent');
/** Each test its own owner: every replica in this Redis counts for the caps. */
const owner = (name: string) => `https://idp.example/oidc ${name}`;

let redis: Proc;
let dir: string;
let url: string;
let probe: ReturnType<typeof createClient>;
const links: RedisLink[] = [];
const directories: RedisSessionDirectory[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lwm-counts-'));
  const port = await freePort();
  redis = await startRedis(port, dir);
  url = `redis://127.0.0.1:${port}`;
  probe = createClient({ url });
  await probe.connect();
});

after(async () => {
  for (const d of directories) await d.close();
  for (const l of links) await l.close();
  await probe?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A replica's directory with its own connection; its registry holds `held` places per owner. */
async function replica(id: string, maxPerOwner: number, held: Map<string, number>) {
  const link = connectRedis(url, logger);
  links.push(link);
  const integrity = new IntegrityLog(logger);
  const directory = new RedisSessionDirectory(link, {
    replicaId: id,
    replicaUrl: `http://127.0.0.1:1/${id}`,
    idleTimeoutMs: 60_000,
    maxSessions: 100,
    maxPerOwner,
    logger,
    heartbeatMs: HEARTBEAT_MS,
    keys,
    integrity,
  });
  directories.push(directory);
  directory.start(() => ({ sessions: [], reserved: held }));
  await until(`${id} in the directory`, async () => (await probe.hGet('lwm:urls', id)) !== null);
  return {
    directory,
    integrity,
    /** Takes a place for `owner` on this replica, as the registry does (refused: SessionLimitError). */
    async take(owner: string): Promise<void> {
      await directory.reserve(owner);
      held.set(owner, (held.get(owner) ?? 0) + 1);
      await directory.settled();
    },
  };
}

/**
 * Two replicas with per-owner cap `maxPerOwner`, and a first place for owner `name` taken on the
 * second: the owner, the replicas, the owner's field in `lwm:counts:<second>` and the count it holds.
 */
async function firstPlaceOnSecond(name: string, maxPerOwner: number, firstId: string, secondId: string) {
  const OWNER = owner(name);
  const first = await replica(firstId, maxPerOwner, new Map());
  const second = await replica(secondId, maxPerOwner, new Map());
  const field = ownerHash(OWNER);
  await second.take(OWNER);
  return { OWNER, first, second, field, count: (await probe.hGet(`lwm:counts:${secondId}`, field))! };
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Replica `id`'s heartbeat mark (its alive-until in `lwm:replicas`): it moves on at every heartbeat. */
const beatOf = async (id: string) => (await probe.zScore('lwm:replicas', id)) ?? 0;

/**
 * Waits until replica `id`'s count for `owner` is `want` again, and fails if it is not by the time
 * a second heartbeat of `id` has run after the tampering: the first heartbeat after it must repair
 * it (its repair goes out on the same connection before the second heartbeat's script).
 */
async function repairedWithinOneHeartbeat(id: string, field: string, want: string): Promise<void> {
  const start = await beatOf(id);
  let beats = 0;
  let last = start;
  await until(`${id}'s heartbeat`, async () => {
    if ((await probe.hGet(`lwm:counts:${id}`, field)) === want) return true;
    const now = await beatOf(id);
    if (now !== last) {
      beats++;
      last = now;
    }
    if (beats >= 2 && (await probe.hGet(`lwm:counts:${id}`, field)) !== want) {
      throw new Error(`${id}'s count ${field} not repaired by the heartbeat after the tampering (${beats} heartbeats): ${await probe.hGet(`lwm:counts:${id}`, field)}`);
    }
    return false;
  });
}

async function refused(take: () => Promise<void>): Promise<number> {
  try {
    await take();
  } catch (error) {
    if (error instanceof SessionLimitError) return error.status;
    throw error;
  }
  return 0;
}

describe("a replica's own per-owner count, deleted or rolled back in Redis", () => {
  it('HDEL of an owner count (cap 1): within one heartbeat the count is back and the other replica refuses a second session', async () => {
    const { OWNER, first: r1, second: r2, field, count: authentic } = await firstPlaceOnSecond('alice', 1, 'c1', 'c2');
    assert.match(authentic, /^1\./);

    await probe.hDel('lwm:counts:c2', field);
    await repairedWithinOneHeartbeat('c2', field, authentic);
    assert.equal(await refused(() => r1.take(OWNER)), 429, 'the cluster-wide per-subject cap holds again');
    assert.ok(r2.integrity.counts().count >= 1, 'the change was counted as an integrity failure');
  });

  it('an older authentic count put back (cap 2): within one heartbeat the current one is back and the other replica refuses a third session', async () => {
    const { OWNER, first: r3, second: r4, field, count: older } = await firstPlaceOnSecond('bob', 2, 'c3', 'c4');
    await r4.take(OWNER);
    const current = (await probe.hGet('lwm:counts:c4', field))!;
    assert.match(older, /^1\./);
    assert.match(current, /^2\./);

    // Authentic (sealed by c4, same epoch), so a MAC check alone accepts it; `*` is untouched.
    await probe.hSet('lwm:counts:c4', field, older);
    await repairedWithinOneHeartbeat('c4', field, current);
    assert.equal(await refused(() => r3.take(OWNER)), 429, 'the cluster-wide per-subject cap holds again');
  });

  it('a field added to the hash is removed, and an untouched hash reports nothing', async () => {
    const OWNER = owner('carol');
    const r5 = await replica('c5', 2, new Map());
    await r5.take(OWNER);
    const before = r5.integrity.counts().count;
    for (let i = 0; i < 3; i++) {
      const mark = await beatOf('c5');
      await until('a heartbeat of c5', async () => (await beatOf('c5')) !== mark, 5_000);
    }
    assert.equal(r5.integrity.counts().count, before, 'untouched: nothing reported');

    const extra = ownerHash('https://idp.example/oidc mallory');
    await probe.hSet('lwm:counts:c5', extra, '5.' + 'A'.repeat(22));
    await until('the extra field removed', async () => !(await probe.hExists('lwm:counts:c5', extra)), 5_000);
    assert.equal(await probe.hLen('lwm:counts:c5'), 2, 'the owner and `*` stay');
  });
});
