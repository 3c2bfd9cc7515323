/**
 * The cluster's integrity primitives without Redis: sealed values (src/cluster/seal.ts),
 * signed forwards (src/cluster/forward-auth.ts), and forwarding to an `https://` replica URL over
 * TLS with the certificate verified (src/cluster/forward.ts). The same properties with a real
 * redis-server and real replicas: test/cluster/trust.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, globalAgent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { FORWARD_AUTH_HEADER, FORWARDED_HEADER, ForwardVerifier, signForward, type ForwardedRequest } from '../../src/cluster/forward-auth.js';
import { forwardRequest } from '../../src/cluster/forward.js';
import { ClusterKeys } from '../../src/cluster/seal.js';
import { makeCertificates, type Tls } from '../cluster/secure.js';

const SECRET = 'unit-test-cluster-secret-0123456789abcdef';
const keys = new ClusterKeys(SECRET);
const other = new ClusterKeys('another-deployment-secret-0123456789abcdef');

describe('cluster integrity: sealed values', () => {
  const key = 'lwm:v:userinfo:abc';
  const payload = JSON.stringify({ value: { subject: 'alice' } });

  it('a sealed value opens only under its own key, unaltered, before its expiry, with this secret', () => {
    const now = 1_800_000_000_000;
    const sealed = keys.seal(key, now + 1000, payload);
    assert.deepEqual(keys.open(key, sealed, now), { ok: true, payload, expiresAt: now + 1000 });
    assert.deepEqual(keys.open('lwm:v:userinfo:xyz', sealed, now), { ok: false, reason: 'bad-mac' }, 'moved to another key');
    assert.deepEqual(keys.open(key, sealed.replace('alice', 'bob00'), now), { ok: false, reason: 'bad-mac' }, 'altered payload');
    assert.deepEqual(keys.open(key, sealed.replace(String(now + 1000), String(now + 9000)), now), { ok: false, reason: 'bad-mac' }, 'expiry pushed back');
    assert.deepEqual(keys.open(key, sealed, now + 1000), { ok: false, reason: 'expired' }, 'revived past its expiry');
    assert.deepEqual(other.open(key, sealed, now), { ok: false, reason: 'bad-mac' }, 'another CLUSTER_SECRET');
    for (const junk of ['', payload, `${now}.${payload}`, `x.${'A'.repeat(22)}.${payload}`, `${now + 1000}..${payload}`]) {
      assert.equal(keys.open(key, junk, now).ok, false, junk);
    }
  });

  it('MAC inputs are length-prefixed: moving a boundary between parts changes the MAC', () => {
    assert.notEqual(keys.valueMac(['ab', 'c']), keys.valueMac(['a', 'bc']));
    assert.notEqual(keys.valueMac(['a\nb']), keys.valueMac(['a', 'b']));
    // And a value MAC never passes as a forward MAC.
    assert.equal(keys.forwardMacIs(['x'], keys.valueMac(['x'])), false);
  });

  it('a CLUSTER_SECRET shorter than 32 bytes is refused', () => {
    assert.throws(() => new ClusterKeys('x'.repeat(31)), /at least 32 bytes/);
  });
});

describe('cluster integrity: signed forwards', () => {
  const request: ForwardedRequest = { to: 'r1', method: 'POST', path: '/mcp', sessionId: 's-1', authorization: 'Bearer tok' };

  it('a forward signed by a replica with this secret is accepted once, only by the replica it names, only in its window, only as signed', () => {
    const now = 1_800_000_000_000;
    const verifier = new ForwardVerifier(keys, 'r1');
    const header = signForward(keys, 'r2', request, now);
    assert.deepEqual(verifier.check(header, request, now + 5), { ok: true, from: 'r2' });
    assert.deepEqual(verifier.check(header, request, now + 10), { ok: false, reason: 'replayed' });
    const fresh = () => signForward(keys, 'r2', request, now);
    assert.deepEqual(new ForwardVerifier(keys, 'r2').check(fresh(), request, now), { ok: false, reason: 'misdirected' });
    assert.deepEqual(verifier.check(fresh(), request, now + 31_000), { ok: false, reason: 'stale' });
    assert.deepEqual(verifier.check(fresh(), request, now - 31_000), { ok: false, reason: 'stale' });
    for (const changed of [{ method: 'DELETE' }, { path: '/mcp?x' }, { sessionId: 's-2' }, { authorization: 'Bearer other' }, { to: 'r3' }]) {
      assert.deepEqual(verifier.check(fresh(), { ...request, ...changed }, now), { ok: false, reason: 'bad-mac' }, JSON.stringify(changed));
    }
    assert.deepEqual(verifier.check(signForward(other, 'r2', request, now), request, now), { ok: false, reason: 'bad-mac' }, 'another CLUSTER_SECRET');
    for (const junk of [undefined, '', 'r2', `r2 ${now} nonce`, `r2 x nonce mac`, `${fresh()} extra`]) {
      assert.deepEqual(verifier.check(junk, request, now), { ok: false, reason: 'malformed' }, String(junk));
    }
  });

  it('a nonce is forgotten only once its time is stale anyway: a replay after that is refused as stale', () => {
    const verifier = new ForwardVerifier(keys, 'r1');
    const t0 = 1_800_000_000_000;
    const header = signForward(keys, 'r2', request, t0);
    assert.equal(verifier.check(header, request, t0).ok, true);
    assert.deepEqual(verifier.check(header, request, t0 + 29_000), { ok: false, reason: 'replayed' });
    // Past twice the window the nonce is swept (a later check sweeps it) — and the header is stale.
    const later = t0 + 61_000;
    assert.equal(verifier.check(signForward(keys, 'r2', request, later), request, later).ok, true);
    assert.deepEqual(verifier.check(header, request, later), { ok: false, reason: 'stale' });
  });

  it('a nonce is still remembered at the last instant its header is fresh (sender 30 s ahead, replayed 60 s after arrival)', () => {
    const verifier = new ForwardVerifier(keys, 'r1');
    const t0 = 1_800_000_000_000;
    // Signed by a clock 30 s ahead of the holder's: still in the window on arrival.
    const header = signForward(keys, 'r2', request, t0 + 30_000);
    assert.equal(verifier.check(header, request, t0).ok, true);
    // 60 s later its time is exactly 30 s old — not yet stale — so the nonce must still be known.
    assert.deepEqual(verifier.check(header, request, t0 + 60_000), { ok: false, reason: 'replayed' });
    assert.deepEqual(verifier.check(header, request, t0 + 60_001), { ok: false, reason: 'stale' });
  });
});

describe('cluster forwarding to an https:// replica URL', () => {
  let tls: Tls;
  let server: ReturnType<typeof createServer>;
  let port: number;
  const seen: Array<Record<string, string | string[] | undefined>> = [];

  before(async () => {
    tls = makeCertificates('forward-unit');
    server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
      seen.push(req.headers);
      req.resume();
      // What a TLS front (nginx) answers itself when the replica behind it is gone: no X-Replica.
      if (req.url === '/gone') req.on('end', () => res.writeHead(502, { 'content-type': 'text/html', server: 'nginx/1.22.1' }).end('<html><center>nginx/1.22.1</center></html>'));
      else req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'x-replica': 'r2' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(() => {
    server?.close();
    delete globalAgent.options.ca;
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  const incoming = () => new Request('http://127.0.0.1:3001/mcp?x=1', { method: 'POST', body: '{"jsonrpc":"2.0"}', headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });

  it('speaks TLS and refuses a certificate of a CA it does not trust', async () => {
    const outcome = await forwardRequest(incoming(), `https://127.0.0.1:${port}`, 'r2', 'auth-value', 5000);
    assert.equal(outcome.kind, 'failed');
    assert.match((outcome as { reason: string }).reason, /self-signed|unable to verify|certificate/i);
    assert.equal(seen.length, 0, 'nothing was sent');
  });

  it('with the CA trusted (NODE_EXTRA_CA_CERTS in production; the global agent here) the request arrives over TLS, signed', async () => {
    globalAgent.options.ca = tls.ca;
    const outcome = await forwardRequest(incoming(), `https://127.0.0.1:${port}`, 'r2', 'auth-value', 5000);
    assert.equal(outcome.kind, 'response');
    assert.equal((outcome as { response: Response }).response.status, 200);
    assert.equal(seen.at(-1)![FORWARDED_HEADER], 'r2');
    assert.equal(seen.at(-1)![FORWARD_AUTH_HEADER], 'auth-value');
    assert.equal(seen.at(-1)!.authorization, 'Bearer t');
  });

  it("an answer no replica sent (the TLS front's own 502 for a replica that is gone) is a failed forward, never relayed", async () => {
    globalAgent.options.ca = tls.ca;
    const gone = new Request('http://127.0.0.1:3001/gone', { method: 'POST', body: '{}', headers: { authorization: 'Bearer t' } });
    const outcome = await forwardRequest(gone, `https://127.0.0.1:${port}`, 'r2', 'auth-value', 5000);
    assert.equal(outcome.kind, 'failed', 'a 502 page of the front is not the holder speaking (the caller gets 503 + Retry-After)');
  });

  it('a replica URL of another scheme is never dialled', async () => {
    const outcome = await forwardRequest(incoming(), `ftp://127.0.0.1:${port}`, 'r2', 'auth-value', 5000);
    assert.equal(outcome.kind, 'failed');
  });
});
