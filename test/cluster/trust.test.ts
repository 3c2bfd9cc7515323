/**
 * `npm run test:cluster`, the trust boundaries of a cluster: two replicas behind nginx
 * sharing a real redis-server (TLS only, an ACL user with a password), each reachable by the other
 * only through its `https://` REPLICA_URL (an nginx TLS front with a certificate of a CA made at
 * test start). The tests write to Redis what an attacker with write access could, and check that
 * nothing of it authenticates anyone, redirects a forward or moves a cap; that a replica with
 * another CLUSTER_SECRET cannot join; and that the holder of a session re-checks the owner of every
 * request forwarded to it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { tokenHash } from '../../src/auth/cache.js';
import { ownerHash } from '../../src/cluster/directory.js';
import { FORWARD_AUTH_HEADER, FORWARDED_HEADER, signForward } from '../../src/cluster/forward-auth.js';
import { ClusterKeys } from '../../src/cluster/seal.js';
import { DEV_USERS, type DevIdp } from '../../src/dev-idp/index.js';
import { getDevToken } from '../../src/dev-idp/token-helper.js';
import { ownerOf } from '../../src/transports/sessions.js';
import { freePort } from '../support/harness.js';
import { startBackplane, stopBackplane } from './backplane.js';
import { startNginx, type Proc } from '../../bench/support/processes.js';
import { startReplica } from './start-replica.js';
import { headers, PROTOCOL_VERSION, whoamiCall } from '../support/requests-2025.js';
import { redisProbe, secureRedisUrl, startTlsFront, type Tls } from './secure.js';

const MAX_SESSIONS = 5;
const MAX_PER_SUBJECT = 3;
const REQUEST_LIMIT_MS = 15_000;
const CLUSTER_SECRET = 'trust-test-secret-7f3a9c0e5b1d4a8f2c6e0b9d3a7f1c5e';
const OTHER_SECRET = 'another-deployments-secret-0d8e2f6a4c1b9e7d5a3f';
const keys = new ClusterKeys(CLUSTER_SECRET);
const user = (username: string) => DEV_USERS.find((u) => u.username === username)!;

type Name = 'r1' | 'r2' | 'r3';
let idp: DevIdp;
let tls: Tls;
let redis: Proc;
let redisPort: number;
let redisDir: string;
let nginx: Proc & { prefix: string };
let base: string;
const replicas: Partial<Record<Name, { proc: Proc; port: number }>> = {};
const fronts: Array<Proc & { prefix: string }> = [];
let probe: Awaited<ReturnType<typeof redisProbe>>;

const at = (r: Name) => `http://127.0.0.1:${replicas[r]!.port}`;
const output = (r: Name) => replicas[r]!.proc.output();
const userinfoCalls = () => (['r1', 'r2', 'r3'] as const).reduce((n, r) => n + (replicas[r]?.proc.output().match(/^upstream userinfo$/gm)?.length ?? 0), 0);
/** The integrity warnings a replica logged (JSON lines), of one kind. */
const integrityLines = (r: Name, kind: string) =>
  output(r)
    .split('\n')
    .filter((l) => l.includes('integrity check failed') && l.includes(`"kind":"${kind}"`));

/** Every bearer token this file used (the last test looks for them in Redis). */
const issued: string[] = [];

function token(username: string, kind: 'jwt' | 'opaque'): Promise<string> {
  return getDevToken({ issuer: idp.issuer, username, password: user(username).password, ...(kind === 'jwt' ? { resource: `${base}/mcp` } : {}) }).then((t) => {
    issued.push(t.access_token);
    return t.access_token;
  });
}

const initialize = () => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'trust-test', version: '1' } } });
const answeredSub = (text: string) => (JSON.parse(text) as { result?: { structuredContent?: { sub?: string } } }).result?.structuredContent?.sub;

async function post(tok: string, body: string, o: { sessionId?: string; at?: string; extra?: Record<string, string> } = {}) {
  const res = await fetch(`${o.at ?? base}/mcp`, { method: 'POST', headers: { ...headers(tok, o.sessionId), ...o.extra }, body, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, replica: res.headers.get('x-replica'), holder: res.headers.get('x-session-holder') };
}

async function openSession(tok: string, where?: string): Promise<{ id: string; holder: Name }> {
  const r = await post(tok, initialize(), where ? { at: where } : {});
  assert.equal(r.status, 200, r.text);
  return { id: r.headers.get('mcp-session-id')!, holder: r.replica as Name };
}

async function closeSession(tok: string, s: { id: string; holder: Name }): Promise<void> {
  const res = await fetch(`${at(s.holder)}/mcp`, { method: 'DELETE', headers: headers(tok, s.id), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  assert.equal(res.status, 200, await res.text());
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startNamed(r: Name, secret: string, extra: Record<string, string> = {}): Promise<void> {
  const port = await freePort();
  const front = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: base,
    LOGTO_ENDPOINT: idp.origin,
    REDIS_URL: secureRedisUrl(redisPort),
    CLUSTER_SECRET: secret,
    // The private CA: for Redis' certificate and the other replicas' TLS fronts.
    NODE_EXTRA_CA_CERTS: tls.caFile,
    REPLICA_ID: r,
    REPLICA_URL: `https://127.0.0.1:${front}`,
    MAX_SESSIONS: String(MAX_SESSIONS),
    MAX_SESSIONS_PER_SUBJECT: String(MAX_PER_SUBJECT),
    ...extra,
  };
  replicas[r] = { proc: await startReplica(env), port };
  fronts.push(await startTlsFront(front, port, tls));
}

/**
 * Runs `body` with replica `r` stopped (SIGSTOP): its heartbeat, which rewrites its URL entry and
 * repairs its counts every 2 s, cannot undo a forgery before the other replica reads it. It stays
 * alive in the directory for 6 s after its last heartbeat; `body` takes milliseconds.
 */
async function withStopped(r: Name, body: () => Promise<void>): Promise<void> {
  replicas[r]!.proc.child.kill('SIGSTOP');
  try {
    await body();
  } finally {
    replicas[r]!.proc.child.kill('SIGCONT');
  }
}

/** A listener of the attacker's: counts what reaches it (a forward redirected there would carry a bearer token). */
function attackerListener(): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":2,"result":{"structuredContent":{"sub":"forged"}}}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, hits, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe('trust boundaries of a cluster: what Redis says is believed only when this deployment wrote it', { timeout: 300_000 }, () => {
  before(async () => {
    const nginxPort = await freePort();
    base = `http://127.0.0.1:${nginxPort}`;
    ({ tls, redis, redisPort, redisDir, idp } = await startBackplane(base));
    probe = await redisProbe(redisPort, tls);
    await startNamed('r1', CLUSTER_SECRET);
    await startNamed('r2', CLUSTER_SECRET);
    nginx = await startNginx(nginxPort, [replicas.r1!.port, replicas.r2!.port]);
  });

  after(async () => {
    await nginx?.stop();
    await Promise.allSettled(Object.values(replicas).map((r) => r.proc.stop()));
    await Promise.allSettled(fronts.map((f) => f.stop()));
    await probe?.close().catch(() => {});
    await stopBackplane({ idp, redis, redisDir, tls });
  });

  it('REPLICA_URL=https://…: a forwarded call reaches the holder over TLS (certificate of a private CA, NODE_EXTRA_CA_CERTS); the URL speaks nothing but TLS', async () => {
    const alice = await token('alice', 'jwt');
    const s = await openSession(alice, at('r2'));
    const via = await post(alice, whoamiCall(), { sessionId: s.id, at: at('r1') });
    assert.equal(via.status, 200, via.text);
    assert.equal(via.holder, 'r2', 'forwarded to the holder');
    assert.equal(answeredSub(via.text), user('alice').sub);
    // The URL r2 published (sealed, authentic) is its TLS front: plain HTTP there gets nginx's 400.
    const entry = await probe.hGet('lwm:urls', 'r2');
    const published = keys.open('lwm:urls#r2', entry!);
    assert.ok(published.ok);
    const url = published.payload.split(' ')[1]!;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const plain = await fetch(`${url.replace('https:', 'http:')}/healthz`, { signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
    assert.equal(plain.status, 400, 'a plain HTTP request to the front is refused: the forward above spoke TLS');
    await closeSession(alice, s);
  });

  it('a forged, altered, moved or revived validation result in Redis never authenticates anyone', async () => {
    const aliceOpaque = await token('alice', 'opaque');
    // A session of alice's (held by r1; r2 forwards to it) to call whoami on with her other tokens.
    const session = await openSession(await token('alice', 'jwt'), at('r1'));
    // r1 validates alice's opaque token once and shares the result.
    const first = await post(aliceOpaque, whoamiCall(), { sessionId: session.id, at: at('r1') });
    assert.equal(first.status, 200, first.text);
    const aliceKey = `lwm:v:userinfo:${tokenHash(aliceOpaque)}`;
    const authentic = (await probe.get(aliceKey))!;
    const opened = keys.open(aliceKey, authentic);
    assert.ok(opened.ok, 'what a replica writes is sealed');
    const identity = JSON.parse(opened.payload) as { value: { subject: string } };
    assert.equal(identity.value.subject, user('alice').sub);

    // A token Logto never issued, and values under its key that name alice.
    const forgedToken = randomBytes(32).toString('base64url');
    const forgedKey = `lwm:v:userinfo:${tokenHash(forgedToken)}`;
    const exp = Date.now() + 60_000;
    const attempts: Record<string, string> = {
      'plain JSON (the format before sealing)': JSON.stringify({ value: identity.value, expiresAt: exp }),
      'sealed form, made-up MAC': `${exp}.${'A'.repeat(22)}.${opened.payload}`,
      "moved: alice's authentic value under another token's key": authentic,
      'sealed with another CLUSTER_SECRET': new ClusterKeys(OTHER_SECRET).seal(forgedKey, exp, opened.payload),
      'revived: sealed with this secret, but past its expiry': keys.seal(forgedKey, Date.now() - 1000, opened.payload),
    };
    for (const [what, value] of Object.entries(attempts)) {
      await probe.set(forgedKey, value, { expiration: { type: 'PX', value: 60_000 } });
      for (const r of ['r1', 'r2'] as const) {
        const res = await post(forgedToken, whoamiCall(), { sessionId: session.id, at: at(r) });
        assert.equal(res.status, 401, `${what} on ${r}: ${res.text}`);
      }
    }
    // Control: the same value sealed with this deployment's secret and unexpired IS believed —
    // the secret (never in Redis) is the whole boundary, and the refusals above are its work.
    await probe.set(forgedKey, keys.seal(forgedKey, exp, opened.payload), { expiration: { type: 'PX', value: 60_000 } });
    const control = await post(forgedToken, whoamiCall(), { sessionId: session.id, at: at('r2') });
    assert.equal(control.status, 200, control.text);
    assert.equal(answeredSub(control.text), user('alice').sub);
    await probe.del(forgedKey);

    // Altered: alice's own entry rewritten to name bob, its MAC kept → a miss: r2 (which has no
    // local copy) asks the IdP again and answers alice.
    const altered = authentic.replace(user('alice').sub, user('bob').sub);
    assert.notEqual(altered, authentic);
    await probe.set(aliceKey, altered, { expiration: { type: 'PX', value: 60_000 } });
    const calls = userinfoCalls();
    const mine = await post(aliceOpaque, whoamiCall(), { sessionId: session.id, at: at('r2') });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(answeredSub(mine.text), user('alice').sub);
    assert.equal(userinfoCalls() - calls, 1, 'the altered value was a miss: one userinfo call');

    // Counted and logged, never with the content (no subject, no key, no token hash).
    const lines = [...integrityLines('r1', 'validation'), ...integrityLines('r2', 'validation')];
    assert.ok(lines.length >= 2, `integrity warnings logged: ${lines.length}`);
    for (const l of lines) {
      assert.ok(!l.includes(user('alice').sub) && !l.includes(user('bob').sub) && !l.includes(tokenHash(forgedToken)) && !l.includes(tokenHash(aliceOpaque)), l);
    }
    await closeSession(await token('alice', 'jwt'), session);
  });

  it('a forged, altered or moved directory entry or replica URL never redirects a forward (the attacker\'s listener gets nothing)', async () => {
    const attacker = await attackerListener();
    const alice = await token('alice', 'jwt');
    try {
      // Sessions held by r2, never looked up by r1 yet (no cached location).
      const sessions = [await openSession(alice, at('r2')), await openSession(alice, at('r2')), await openSession(alice, at('r2'))];
      const authenticR1 = (await probe.hGet('lwm:urls', 'r1'))!;
      const authenticR2 = (await probe.hGet('lwm:urls', 'r2'))!;
      const r2Url = keys.open('lwm:urls#r2', authenticR2);
      assert.ok(r2Url.ok);
      const epoch2 = r2Url.payload.split(' ')[0]!;
      // r2's heartbeat would rewrite its URL entry within 2 s: stopped meanwhile, so each forged
      // entry is what r1 reads.
      await withStopped('r2', async () => {
        const urlForgeries = [
          `plain attacker URL`,
          `sealed form, made-up MAC`,
          `moved: r1's authentic URL entry under r2`,
        ] as const;
        const values = [attacker.url, `${Date.now() + 60_000}.${'B'.repeat(22)}.${epoch2} ${attacker.url}`, authenticR1];
        for (const [i, what] of urlForgeries.entries()) {
          await probe.hSet('lwm:urls', 'r2', values[i]!);
          const r = await post(alice, whoamiCall(), { sessionId: sessions[i]!.id, at: at('r1') });
          assert.equal(r.status, 404, `${what}: ${r.text}`);
          assert.equal(r.holder, null, `${what}: not forwarded`);
        }
        await probe.hSet('lwm:urls', 'r2', authenticR2);
      });
      // A session entry that names a replica of the attacker's (alive, with its URL), forged.
      const fake = randomUUID();
      const e = String(Date.now() + 60_000);
      await probe.zAdd('lwm:replicas', { score: Date.now() + 3_600_000, value: 'evil' });
      await probe.hSet('lwm:urls', 'evil', `${Date.now() + 60_000}.${'C'.repeat(22)}.x ${attacker.url}`);
      await probe.hSet(`lwm:s:${fake}`, { r: 'evil', k: 'streamable', e, m: 'D'.repeat(22) });
      // Moved: the authentic entry of a session of r2 under another session id.
      const moved = randomUUID();
      await probe.hSet(`lwm:s:${moved}`, await probe.hGetAll(`lwm:s:${sessions[0]!.id}`));
      for (const id of [fake, moved]) {
        for (const where of [at('r1'), at('r2'), base, base]) {
          const r = await post(alice, whoamiCall(), { sessionId: id, at: where });
          assert.equal(r.status, 404, r.text);
          assert.equal(r.holder, null, 'not forwarded');
        }
      }
      assert.deepEqual(attacker.hits, [], 'nothing reached the attacker');
      assert.ok(integrityLines('r1', 'replica').length >= 1 && integrityLines('r1', 'session').length >= 1);
      // The real entries still route: r2 is back (its heartbeat republished its URL).
      const back = await post(alice, whoamiCall(), { sessionId: sessions[0]!.id, at: at('r1') });
      assert.equal(back.status, 200, back.text);
      assert.equal(back.holder, 'r2');
      for (const s of sessions) await closeSession(alice, s);
    } finally {
      attacker.server.close();
      await probe.zRem('lwm:replicas', 'evil');
      await probe.hDel('lwm:urls', 'evil');
    }
  });

  it('a forged, altered or moved count never lets a session past a cap, and a fake replica\'s counts never tighten one', async () => {
    const bob = await token('bob', 'jwt');
    const alice = await token('alice', 'jwt');
    const bobHash = ownerHash(ownerOf({ issuer: idp.issuer, subject: user('bob').sub } as never));
    const opened: Array<{ tok: string; s: { id: string; holder: Name } }> = [];
    opened.push({ tok: bob, s: await openSession(bob, at('r2')) });
    opened.push({ tok: bob, s: await openSession(bob, at('r1')) });
    const authenticR1Total = (await probe.hGet('lwm:counts:r1', '*'))!;
    const authenticR2Bob = (await probe.hGet('lwm:counts:r2', bobHash))!;
    assert.match(authenticR2Bob, /^1\./, "r2 counts bob's session, sealed");
    // A fake replica, alive, with huge counts and a moved authentic total: ignored entirely.
    await probe.zAdd('lwm:replicas', { score: Date.now() + 3_600_000, value: 'evil' });
    await probe.hSet('lwm:urls', 'evil', `${Date.now() + 60_000}.${'E'.repeat(22)}.x http://127.0.0.1:9`);
    await probe.hSet('lwm:counts:evil', { '*': authenticR1Total, [bobHash]: '1000.' + 'F'.repeat(22) });
    try {
      const aliceSession = await openSession(alice, at('r1'));
      opened.push({ tok: alice, s: aliceSession });
      // Lifting: r2's count of bob altered to 0 (MAC kept), or made negative. r1 must not believe it.
      // r2 is stopped meanwhile (alive in the directory for 6 s): its heartbeat would repair its
      // counts at once (r1 asks it to), and the second forgery must be what r1 reads.
      await withStopped('r2', async () => {
        for (const forged of [authenticR2Bob.replace(/^1\./, '0.'), `-100.${'G'.repeat(22)}`]) {
          await probe.hSet('lwm:counts:r2', bobHash, forged);
          const refused = await post(bob, initialize(), { at: at('r1') });
          assert.ok(refused.status === 429 || refused.status === 503, `a count not authentic is never read as fewer sessions: ${refused.status} ${refused.text}`);
        }
      });
      // r1 asked r2 to republish; at its next heartbeat (every 2 s) r2's counts are authentic again.
      await until("r2 to republish its counts", async () => (await probe.hGet('lwm:counts:r2', bobHash))?.startsWith('1.') === true);
      opened.push({ tok: bob, s: await openSession(bob, at('r1')) });
      const fourth = await post(bob, initialize(), { at: at('r1') });
      assert.equal(fourth.status, 429, `MAX_SESSIONS_PER_SUBJECT holds: ${fourth.text}`);
      // The total: 4 open of 5; one more, then 503 — r2's total made negative changes nothing.
      await withStopped('r2', async () => {
        await probe.hSet('lwm:counts:r2', '*', `-1000.${'H'.repeat(22)}`);
        const fifth = await post(alice, initialize(), { at: at('r1') });
        assert.equal(fifth.status, 503, `a forged total is not believed: ${fifth.text}`);
      });
      await until('r2 to republish its total', async () => (await probe.hGet('lwm:counts:r2', '*'))?.startsWith('1.') === true);
      opened.push({ tok: alice, s: await openSession(alice, at('r1')) });
      const sixth = await post(alice, initialize(), { at: at('r1') });
      assert.equal(sixth.status, 503, `MAX_SESSIONS holds: ${sixth.text}`);
      assert.ok(integrityLines('r1', 'count').length >= 1);
    } finally {
      await probe.zRem('lwm:replicas', 'evil');
      await probe.hDel('lwm:urls', 'evil');
      await probe.del('lwm:counts:evil');
      for (const o of opened) await closeSession(o.tok, o.s);
    }
  });

  it('a replica with another CLUSTER_SECRET cannot join: its entries are ignored, its cached results not believed, its forwards refused', async () => {
    await startNamed('r3', OTHER_SECRET);
    const alice = await token('alice', 'jwt');
    // Its session is unknown to r1 (the entry fails r1's check): 404, never forwarded.
    const onR3 = await openSession(alice, at('r3'));
    const viaR1 = await post(alice, whoamiCall(), { sessionId: onR3.id, at: at('r1') });
    assert.equal(viaR1.status, 404, viaR1.text);
    assert.equal(viaR1.holder, null);
    // A session of r1 is unknown to r3 (r1's entries fail r3's check): r3 never forwards it.
    const onR1 = await openSession(alice, at('r1'));
    const viaR3 = await post(alice, whoamiCall(), { sessionId: onR1.id, at: at('r3') });
    assert.equal(viaR3.status, 404, viaR3.text);
    assert.equal(viaR3.holder, null);
    // Its validation results are not believed: the same new opaque token costs r1 its own userinfo call.
    const opaque = await token('alice', 'opaque');
    const calls = userinfoCalls();
    assert.equal((await post(opaque, whoamiCall(), { sessionId: onR3.id, at: at('r3') })).status, 200);
    assert.equal((await post(opaque, whoamiCall(), { sessionId: onR1.id, at: at('r1') })).status, 200);
    assert.equal(userinfoCalls() - calls, 2);
    // Its forwards (signed with its secret) are refused by r1: 403.
    const path = '/mcp';
    const forward = (k: ClusterKeys, from: string, o: { to?: string; time?: number; path?: string } = {}) => ({
      [FORWARDED_HEADER]: o.to ?? 'r1',
      [FORWARD_AUTH_HEADER]: signForward(k, from, { to: o.to ?? 'r1', method: 'POST', path: o.path ?? path, sessionId: onR1.id, authorization: `Bearer ${alice}` }, o.time),
    });
    const foreign = await post(alice, whoamiCall(), { sessionId: onR1.id, at: at('r1'), extra: forward(new ClusterKeys(OTHER_SECRET), 'r3') });
    assert.equal(foreign.status, 403, foreign.text);
    // And the check is exact: no auth, a stale time, another path, a replay → 403; a fresh one from a real replica → 200.
    const good = forward(keys, 'r2');
    const cases: Array<[string, Record<string, string>]> = [
      ['no auth (a client through nginx claiming to be forwarded)', { [FORWARDED_HEADER]: 'r1' }],
      ['stale', forward(keys, 'r2', { time: Date.now() - 120_000 })],
      ['signed for another path', forward(keys, 'r2', { path: '/mcp?x=1' })],
      ['meant for another replica', forward(keys, 'r2', { to: 'r2' })],
    ];
    for (const [what, extra] of cases) {
      const r = await post(alice, whoamiCall(), { sessionId: onR1.id, at: what.startsWith('no auth') ? base : at('r1'), extra });
      assert.equal(r.status, 403, `${what}: ${r.text}`);
    }
    const accepted = await post(alice, whoamiCall(), { sessionId: onR1.id, at: at('r1'), extra: good });
    assert.equal(accepted.status, 200, accepted.text);
    const replayed = await post(alice, whoamiCall(), { sessionId: onR1.id, at: at('r1'), extra: good });
    assert.equal(replayed.status, 403, `replayed: ${replayed.text}`);
    assert.ok(integrityLines('r1', 'forward').length >= 1);
    await closeSession(alice, onR3);
    await closeSession(alice, onR1);
    await replicas.r3!.proc.stop();
    delete replicas.r3;
  });

  it("5(a): the holder re-checks the owner of a forwarded request — bob's call on alice's session is refused by the holder, through nginx and directly, on both transports", async () => {
    const alice = await token('alice', 'jwt');
    const bob = await token('bob', 'jwt');
    // Streamable HTTP: alice's session on r1; bob's calls arrive at r2 (directly, and through nginx).
    const s = await openSession(alice, at('r1'));
    const direct = await post(bob, whoamiCall(), { sessionId: s.id, at: at('r2') });
    assert.equal(direct.status, 404, direct.text);
    assert.equal(direct.holder, 'r1', 'forwarded, and refused by the holder itself');
    const throughNginx = await Promise.all([0, 1, 2, 3].map(() => post(bob, whoamiCall(), { sessionId: s.id })));
    assert.ok(throughNginx.every((r) => r.status === 404), JSON.stringify(throughNginx.map((r) => [r.status, r.text])));
    assert.ok(throughNginx.some((r) => r.replica === 'r2' && r.holder === 'r1'), 'some went through r2 and were refused by r1');
    const still = await post(alice, whoamiCall(), { sessionId: s.id, at: at('r2') });
    assert.equal(still.status, 200, still.text);
    assert.equal(answeredSub(still.text), user('alice').sub);
    await closeSession(alice, s);

    // 2024-11-05 HTTP+SSE: alice's stream on one replica; bob posts to its session through the other.
    const client = new Client({ name: 'trust-sse', version: '1' });
    const events: string[] = [];
    const transport = new SSEClientTransport(new URL(`${base}/sse`), {
      fetch: async (url, init) => {
        const h = new Headers(init?.headers);
        h.set('authorization', `Bearer ${alice}`);
        return fetch(url, { ...init, headers: h });
      },
    });
    await client.connect(transport);
    transport.onmessage = ((inner) => (m: unknown) => {
      events.push(JSON.stringify(m));
      inner?.(m as never);
    })(transport.onmessage);
    try {
      await client.callTool({ name: 'whoami', arguments: {} });
      const endpoint = (transport as unknown as { _endpoint: URL })._endpoint;
      const holder = await (async () => {
        // Whichever replica holds the stream, the other one forwards.
        for (const r of ['r1', 'r2'] as const) {
          const res = await fetch(`${at(r)}${endpoint.pathname}${endpoint.search}`, { method: 'POST', headers: headers(bob), body: whoamiCall(77), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
          assert.equal(res.status, 404, `bob on ${r}: ${await res.text()}`);
          if (res.headers.get('x-session-holder')) return res.headers.get('x-session-holder');
        }
        return null;
      })();
      assert.ok(holder, 'one of the two was forwarded to the holder, which refused it');
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${base}${endpoint.pathname}${endpoint.search}`, { method: 'POST', headers: headers(bob), body: whoamiCall(78 + i), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
        assert.equal(res.status, 404, await res.text());
      }
      const mine = await client.callTool({ name: 'whoami', arguments: {} });
      assert.equal((mine.structuredContent as { sub?: string }).sub, user('alice').sub);
      assert.ok(!events.some((e) => e.includes(user('bob').sub)), "nothing of bob's reached alice's stream");
    } finally {
      await client.close();
    }
  });

  it('Redis read access: after all of the above, no key or value in Redis holds CLUSTER_SECRET or any bearer token used', async () => {
    assert.ok(issued.length >= 8, `tokens used: ${issued.length}`);
    const found: string[] = [];
    for (const key of await probe.keys('*')) {
      const type = await probe.type(key);
      const value = type === 'string' ? await probe.get(key) : type === 'hash' ? JSON.stringify(await probe.hGetAll(key)) : type === 'zset' ? JSON.stringify(await probe.zRange(key, 0, -1)) : '';
      const text = `${key} ${value ?? ''}`;
      if (text.includes(CLUSTER_SECRET) || text.includes(OTHER_SECRET)) found.push(`a CLUSTER_SECRET in ${key}`);
      for (const t of issued) if (text.includes(t)) found.push(`a bearer token in ${key}`);
    }
    assert.deepEqual(found, []);
  });
});
