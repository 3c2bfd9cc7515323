/**
 * `npm run test:cluster`: two replicas (separate processes) behind a real nginx (round robin, no
 * stickiness, no buffering), sharing a real redis-server and one dev IdP — all on loopback, ports
 * picked at start. What several instances must do: sessions of the 2025 Streamable HTTP and 2024-11-05 HTTP+SSE transports
 * work whichever replica a request lands on; another subject gets 404 everywhere; one userinfo
 * call per opaque token across replicas; caps hold cluster-wide; Redis going away and coming
 * back; a replica killed mid-load. Redis is locked as docs/scaling.md shows it: TLS only (a CA
 * made at test start), an ACL user with a password; the replicas share a CLUSTER_SECRET.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS, type DevIdp } from '../../src/dev-idp/index.js';
import { getDevToken } from '../../src/dev-idp/token-helper.js';
import { freePort } from '../support/harness.js';
import { startBackplane, stopBackplane } from './backplane.js';
import { startNginx, type Proc } from '../../bench/support/processes.js';
import { startReplica } from './start-replica.js';
import { headers, PROTOCOL_VERSION, whoamiCall } from '../support/requests-2025.js';
import { redisProbe, secureRedisUrl, startSecureRedis, type Tls } from './secure.js';

const MAX_SESSIONS = 10;
const MAX_PER_SUBJECT = 6;
/** Every request of these tests gives up after this long: a hang fails the test, it never stalls it. */
const REQUEST_LIMIT_MS = 15_000;
const sub = (username: string) => DEV_USERS.find((u) => u.username === username)!.sub;
const pass = (username: string) => DEV_USERS.find((u) => u.username === username)!.password;

interface Seen {
  method: string;
  status: number;
  replica: string | null;
  holder: string | null;
}

let idp: DevIdp;
let redis: Proc;
let redisPort: number;
let redisDir: string;
let tls: Tls;
const CLUSTER_SECRET = 'cluster-test-secret-0123456789abcdef-0123456789';
const replicas: Record<'r1' | 'r2', { proc: Proc; port: number; env: Record<string, string> }> = {} as never;
let nginx: Proc & { prefix: string };
let base: string;

const replicaUrl = (r: 'r1' | 'r2') => `http://127.0.0.1:${replicas[r].port}`;
const userinfoCalls = () => Object.values(replicas).reduce((n, r) => n + (r.proc.output().match(/^upstream userinfo$/gm)?.length ?? 0), 0);

function token(username: string, kind: 'jwt' | 'opaque'): Promise<string> {
  return getDevToken({ issuer: idp.issuer, username, password: pass(username), ...(kind === 'jwt' ? { resource: `${base}/mcp` } : {}) }).then((t) => t.access_token);
}

const initialize = (id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'cluster-test', version: '1' } } });

/** POST to `/mcp` of `at` (nginx by default), bounded in time. */
async function post(tok: string, body: string, o: { sessionId?: string; at?: string } = {}) {
  const res = await fetch(`${o.at ?? base}/mcp`, { method: 'POST', headers: headers(tok, o.sessionId), body, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, replica: res.headers.get('x-replica'), holder: res.headers.get('x-session-holder') };
}

/** A raw 2025 Streamable session for `tok`: its id and the replica that holds it. */
async function openSession(tok: string, at?: string): Promise<{ id: string; holder: string }> {
  const r = await post(tok, initialize(), at ? { at } : {});
  assert.equal(r.status, 200, r.text);
  // One request per session (no notifications/initialized): round robin then spreads the sessions.
  return { id: r.headers.get('mcp-session-id')!, holder: r.replica! };
}

async function closeSession(tok: string, id: string): Promise<void> {
  const res = await fetch(`${base}/mcp`, { method: 'DELETE', headers: headers(tok, id), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  const text = await res.text();
  assert.equal(res.status, 200, `DELETE: ${text}`);
}

const answeredSub = (text: string) => (JSON.parse(text) as { result?: { structuredContent?: { sub?: string } } }).result?.structuredContent?.sub;

/** An SDK v1 client through nginx that records, for every HTTP response, which replica answered. */
async function sdkClient(kind: 'sse' | 'streamable', tok: string, seen: Seen[]) {
  const recording = async (url: string | URL, init?: RequestInit) => {
    const h = new Headers(init?.headers);
    h.set('authorization', `Bearer ${tok}`);
    const res = await fetch(url, { ...init, headers: h });
    seen.push({ method: init?.method ?? 'GET', status: res.status, replica: res.headers.get('x-replica'), holder: res.headers.get('x-session-holder') });
    return res;
  };
  const transport = kind === 'sse' ? new SSEClientTransport(new URL(`${base}/sse`), { fetch: recording }) : new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { fetch: recording });
  const client = new Client({ name: `cluster-${kind}`, version: '1' });
  await client.connect(transport);
  return { client, transport };
}

async function readyz(r: 'r1' | 'r2') {
  const res = await fetch(`${replicaUrl(r)}/readyz`, { signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  return { status: res.status, body: (await res.json()) as { status: string; redis?: string } };
}

/** Waits for `check`, at most `ms`: only for state that changes on its own (a socket noticed closed, a reconnect). */
async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startReplicaNamed(r: 'r1' | 'r2', port: number) {
  const env = {
    PORT: String(port),
    PUBLIC_URL: base,
    LOGTO_ENDPOINT: idp.origin,
    REDIS_URL: secureRedisUrl(redisPort),
    CLUSTER_SECRET,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    REPLICA_ID: r,
    MAX_SESSIONS: String(MAX_SESSIONS),
    MAX_SESSIONS_PER_SUBJECT: String(MAX_PER_SUBJECT),
  };
  replicas[r] = { proc: await startReplica(env), port, env };
}

describe('several instances: two replicas behind nginx, sharing Redis', { timeout: 300_000 }, () => {
  before(async () => {
    const nginxPort = await freePort();
    base = `http://127.0.0.1:${nginxPort}`;
    ({ tls, redis, redisPort, redisDir, idp } = await startBackplane(base));
    await startReplicaNamed('r1', await freePort());
    await startReplicaNamed('r2', await freePort());
    nginx = await startNginx(nginxPort, [replicas.r1.port, replicas.r2.port]);
  });

  after(async () => {
    await nginx?.stop();
    await Promise.allSettled(Object.values(replicas).map((r) => r.proc.stop()));
    await stopBackplane({ idp, redis, redisDir, tls });
  });

  it('caps hold across replicas: MAX_SESSIONS_PER_SUBJECT and MAX_SESSIONS count both replicas', async () => {
    const bob = await token('bob', 'jwt');
    const alice = await token('alice', 'jwt');
    const opened: Array<{ tok: string; id: string; holder: string }> = [];
    for (let i = 0; i < MAX_PER_SUBJECT; i++) opened.push({ tok: bob, ...(await openSession(bob)) });
    const holders = new Set(opened.map((s) => s.holder));
    assert.deepEqual([...holders].sort(), ['r1', 'r2'], 'round robin spreads the sessions over both replicas');
    // Each replica holds fewer than the cap: only the cluster-wide count can refuse these.
    for (let i = 0; i < 2; i++) {
      const refused = await post(bob, initialize());
      assert.equal(refused.status, 429, refused.text);
    }
    for (let i = 0; i < MAX_SESSIONS - MAX_PER_SUBJECT; i++) opened.push({ tok: alice, ...(await openSession(alice)) });
    for (let i = 0; i < 2; i++) {
      const full = await post(alice, initialize());
      assert.equal(full.status, 503, full.text);
      assert.ok(full.headers.get('retry-after'));
    }
    // Closing one (the DELETE may well land on the other replica and be forwarded) frees a place:
    // the holder answers the DELETE only once Redis has the release.
    const first = opened.shift()!;
    await closeSession(first.tok, first.id);
    opened.push({ tok: bob, ...(await openSession(bob)) });
    for (const s of opened) await closeSession(s.tok, s.id);
  });

  it('2024-11-05 HTTP+SSE: an SDK v1 client makes 20+ calls, its POSTs alternate replicas, every answer comes back on its stream with its sub', async () => {
    const seen: Seen[] = [];
    const { client } = await sdkClient('sse', await token('alice', 'jwt'), seen);
    try {
      for (let i = 0; i < 24; i++) {
        const result = await client.callTool({ name: 'whoami', arguments: {} });
        assert.equal((result.structuredContent as { sub?: string }).sub, sub('alice'));
      }
    } finally {
      await client.close();
    }
    const posts = seen.filter((s) => s.method === 'POST');
    assert.ok(posts.length >= 24);
    assert.ok(posts.every((p) => p.status === 202));
    const by = (r: string) => posts.filter((p) => p.replica === r).length;
    assert.ok(by('r1') >= 8 && by('r2') >= 8, `both replicas took POSTs: r1 ${by('r1')}, r2 ${by('r2')}`);
    // The stream lives on one replica; POSTs landing on the other were forwarded to it.
    const streamHolder = seen.find((s) => s.method === 'GET')!.replica;
    const forwarded = posts.filter((p) => p.replica !== streamHolder);
    assert.ok(forwarded.length >= 8 && forwarded.every((p) => p.holder === streamHolder));
  });

  it('2025 Streamable: an SDK v1 client with a session makes 20+ calls alternating replicas, all with its sub', async () => {
    const seen: Seen[] = [];
    const { client, transport } = await sdkClient('streamable', await token('bob', 'jwt'), seen);
    try {
      for (let i = 0; i < 24; i++) {
        const result = await client.callTool({ name: 'whoami', arguments: {} });
        assert.equal((result.structuredContent as { sub?: string }).sub, sub('bob'));
      }
      await (transport as StreamableHTTPClientTransport).terminateSession();
    } finally {
      await client.close();
    }
    const posts = seen.filter((s) => s.method === 'POST');
    const by = (r: string) => posts.filter((p) => p.replica === r).length;
    assert.ok(by('r1') >= 8 && by('r2') >= 8, `both replicas took POSTs: r1 ${by('r1')}, r2 ${by('r2')}`);
    assert.ok(posts.filter((p) => p.holder !== null).length >= 8, 'calls on the other replica were forwarded to the holder');
    assert.ok(seen.every((s) => s.status < 400 || (s.method === 'GET' && s.status === 405)), JSON.stringify(seen.filter((s) => s.status >= 400)));
  });

  it("another subject gets 404 for a session on every replica, through nginx and directly; the owner is unaffected", async () => {
    const alice = await token('alice', 'jwt');
    const bob = await token('bob', 'jwt');
    const s = await openSession(alice);
    for (const at of [base, base, replicaUrl('r1'), replicaUrl('r2')]) {
      const r = await post(bob, whoamiCall(), { sessionId: s.id, at });
      assert.equal(r.status, 404, r.text);
    }
    // 2024-11-05 HTTP+SSE: bob posting to alice's stream's session, on both replicas.
    const seen: Seen[] = [];
    const { client } = await sdkClient('sse', alice, seen);
    try {
      await client.callTool({ name: 'whoami', arguments: {} });
      const endpoint = (client.transport as unknown as { _endpoint: URL })._endpoint;
      for (const at of [replicaUrl('r1'), replicaUrl('r2')]) {
        const res = await fetch(`${at}${endpoint.pathname}${endpoint.search}`, { method: 'POST', headers: headers(bob), body: whoamiCall(), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
        assert.equal(res.status, 404, await res.text());
      }
      const still = await client.callTool({ name: 'whoami', arguments: {} });
      assert.equal((still.structuredContent as { sub?: string }).sub, sub('alice'));
    } finally {
      await client.close();
    }
    for (const at of [base, base]) {
      const r = await post(alice, whoamiCall(), { sessionId: s.id, at });
      assert.equal(r.status, 200, r.text);
      assert.equal(answeredSub(r.text), sub('alice'));
    }
    await closeSession(alice, s.id);
  });

  it('50 concurrent requests with a new opaque token, spread over both replicas: 1 userinfo call in total', async () => {
    const session = await openSession(await token('alice', 'jwt'));
    const fresh = await token('alice', 'opaque');
    const before = userinfoCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(fresh, whoamiCall(i + 10), { sessionId: session.id })));
    assert.ok(answers.every((a) => a.status === 200 && answeredSub(a.text) === sub('alice')), JSON.stringify(answers.find((a) => a.status !== 200)));
    const served = new Set(answers.map((a) => a.replica));
    assert.equal(served.size, 2, 'both replicas took requests');
    assert.equal(userinfoCalls() - before, 1);
    // What Redis holds: the result under SHA-256 of the token, living at most USERINFO_CACHE_TTL
    // (60 s by default); the raw token nowhere, neither in a key nor in a value.
    const probe = await redisProbe(redisPort, tls);
    try {
      const keys = await probe.keys('*');
      const shared = keys.filter((k) => k.startsWith('lwm:v:userinfo:'));
      assert.equal(shared.length, 1);
      const ttl = await probe.pTTL(shared[0]!);
      assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl} ms`);
      for (const key of keys) {
        const type = await probe.type(key);
        const value = type === 'string' ? await probe.get(key) : type === 'hash' ? JSON.stringify(await probe.hGetAll(key)) : JSON.stringify(await probe.zRange(key, 0, -1));
        assert.ok(!key.includes(fresh) && !String(value).includes(fresh), `the raw token is in ${key}`);
      }
    } finally {
      await probe.close();
    }
  });

  it('Redis stopped: local sessions keep working, sessions held elsewhere get 503 + Retry-After, /readyz says so; Redis back: everything recovers without a restart', async () => {
    const alice = await token('alice', 'jwt');
    const s = await openSession(alice);
    const holder = s.holder as 'r1' | 'r2';
    const other = holder === 'r1' ? 'r2' : 'r1';
    await redis.stop();
    await until('both replicas to notice Redis is gone', async () => (await readyz('r1')).body.redis === 'unreachable' && (await readyz('r2')).body.redis === 'unreachable');
    assert.deepEqual(await readyz(holder), { status: 200, body: { status: 'degraded', redis: 'unreachable' } });

    const local = await post(alice, whoamiCall(), { sessionId: s.id, at: replicaUrl(holder) });
    assert.equal(local.status, 200, local.text);
    assert.equal(answeredSub(local.text), sub('alice'));
    const elsewhere = await post(alice, whoamiCall(), { sessionId: s.id, at: replicaUrl(other) });
    assert.equal(elsewhere.status, 503, elsewhere.text);
    assert.ok(elsewhere.headers.get('retry-after'));
    // A new opaque token is validated locally (one userinfo call on the replica that got it).
    const opaque = await token('alice', 'opaque');
    const before = userinfoCalls();
    const viaOpaque = await post(opaque, whoamiCall(), { sessionId: s.id, at: replicaUrl(holder) });
    assert.equal(viaOpaque.status, 200, viaOpaque.text);
    assert.equal(userinfoCalls() - before, 1);
    // A session opened during the outage, under the local caps.
    const during = await openSession(alice, replicaUrl(other));

    redis = await startSecureRedis(redisPort, redisDir, tls);
    await until('both replicas to reconnect', async () => (await readyz('r1')).body.redis === 'up' && (await readyz('r2')).body.redis === 'up');
    // Each replica republishes its sessions right after reconnecting (Redis came back empty).
    let last = '';
    await until('the holder to republish its sessions', async () => {
      const r = await post(alice, whoamiCall(), { sessionId: s.id, at: replicaUrl(other) });
      last = `${r.status} ${r.text.slice(0, 200)}`;
      return r.status === 200;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${last}`);
    });
    for (const [id, at] of [[s.id, replicaUrl(other)], [during.id, replicaUrl(holder)]] as const) {
      const r = await post(alice, whoamiCall(), { sessionId: id, at });
      assert.equal(r.status, 200, r.text);
      assert.equal(answeredSub(r.text), sub('alice'));
    }
    await closeSession(alice, s.id);
    await closeSession(alice, during.id);
  });

  it('a replica killed mid-load takes only its own sessions: their clients get 404, the others keep working, nothing hangs', async () => {
    const tokens = { alice: await token('alice', 'jwt'), bob: await token('bob', 'jwt') };
    const sessions: Array<{ tok: string; who: string; id: string; holder: string }> = [];
    for (let i = 0; i < 4; i++) {
      const who = i % 2 ? 'bob' : 'alice';
      const tok = tokens[who as 'alice' | 'bob'];
      sessions.push({ tok, who, ...(await openSession(tok)) });
    }
    assert.deepEqual([...new Set(sessions.map((s) => s.holder))].sort(), ['r1', 'r2']);

    // Load: every session calls in a loop, bounded by count; r2 is killed once it is going.
    type Phase = 'before' | 'in-flight' | 'after';
    const results: Array<{ who: string; holder: string; phase: Phase; status: number; sub?: string | undefined; error?: string }> = [];
    // 'before': answered before the kill signal; 'after': sent once the process had exited.
    let killing = false;
    let dead = false;
    const loop = async (s: (typeof sessions)[number]) => {
      for (let i = 0; i < 30; i++) {
        const startedAfter = dead;
        const phase = (): Phase => (startedAfter ? 'after' : killing ? 'in-flight' : 'before');
        try {
          const r = await post(s.tok, whoamiCall(100 + i), { sessionId: s.id });
          results.push({ who: s.who, holder: s.holder, phase: phase(), status: r.status, sub: r.status === 200 ? answeredSub(r.text) : undefined });
        } catch (error) {
          results.push({ who: s.who, holder: s.holder, phase: phase(), status: 0, error: (error as Error).name });
        }
      }
    };
    const load = Promise.all(sessions.map(loop));
    await until('the load to get going', async () => results.length >= 20, 30_000);
    killing = true;
    replicas.r2.proc.child.kill('SIGKILL');
    await replicas.r2.proc.exited;
    dead = true;
    await load;

    // Nothing hung: each request is bounded by REQUEST_LIMIT_MS and none needed it. Only a request
    // on its way through the dying replica may have lost its connection (nginx cuts a response
    // whose upstream died mid-body); every other one got an HTTP answer.
    assert.ok(!results.some((r) => r.error === 'TimeoutError' || r.error === 'AbortError'), `a request hung: ${JSON.stringify(results.filter((r) => r.error))}`);
    assert.ok(results.every((r) => r.error === undefined || r.phase === 'in-flight'), `broken requests: ${JSON.stringify(results.filter((r) => r.error))}`);
    const survivors = results.filter((x) => x.holder === 'r1' && x.phase !== 'in-flight');
    assert.ok(survivors.some((r) => r.phase === 'after'));
    for (const r of survivors) {
      assert.equal(r.status, 200, `sessions held by the surviving replica keep working (${r.phase} the kill)`);
      assert.equal(r.sub, sub(r.who));
    }
    // Requests that were on their way through the dying replica may fail (502 from nginx), but answer.
    const lost = results.filter((x) => x.holder === 'r2' && x.phase === 'after');
    assert.ok(lost.length > 0 && lost.every((r) => r.status === 404), `the dead replica's sessions: 404 (${JSON.stringify(lost.map((r) => r.status))})`);
    for (const s of sessions.filter((x) => x.holder === 'r1')) {
      const r = await post(s.tok, whoamiCall(), { sessionId: s.id });
      assert.equal(r.status, 200);
      assert.equal(answeredSub(r.text), sub(s.who));
    }
    // The dead replica's sessions: 404, through nginx on every try (nginx moves on from the dead replica).
    for (const s of sessions.filter((x) => x.holder === 'r2')) {
      for (let i = 0; i < 2; i++) {
        const r = await post(s.tok, whoamiCall(), { sessionId: s.id });
        assert.equal(r.status, 404, r.text);
      }
    }
    // Its directory entries expire: the counts of a replica without heartbeats carry a TTL.
    const probe = await redisProbe(redisPort, tls);
    try {
      const ttl = await probe.pTTL('lwm:counts:r2');
      assert.ok(ttl === -2 || (ttl > 0 && ttl <= 12_000), `counts of r2 expire (PTTL ${ttl})`);
    } finally {
      await probe.close();
    }
  });

  it('a replica stopped with SIGTERM leaves the directory at once: its sessions 404 on the other replica, no request hangs', async () => {
    await startReplicaNamed('r2', replicas.r2.port);
    const alice = await token('alice', 'jwt');
    const onR2 = await openSession(alice, replicaUrl('r2'));
    const viaR1 = await post(alice, whoamiCall(), { sessionId: onR2.id, at: replicaUrl('r1') });
    assert.equal(viaR1.status, 200, viaR1.text);
    assert.equal(viaR1.holder, 'r2');
    await replicas.r2.proc.stop('SIGTERM');
    const after = await post(alice, whoamiCall(), { sessionId: onR2.id, at: replicaUrl('r1') });
    assert.equal(after.status, 404, after.text);
  });

  it('nothing a replica read from Redis or got forwarded failed its integrity check (no false alarms through all of the above)', () => {
    for (const [name, r] of Object.entries(replicas)) assert.doesNotMatch(r.proc.output(), /integrity check failed/, name);
  });
});
