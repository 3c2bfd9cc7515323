import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_USERS, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { getDevToken } from '../../src/dev-idp/token-helper.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { connectClient, freePort, LogCapture, password, postMcp, whoami } from '../support/harness.js';

const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const silent = { error() {}, warn() {}, info() {} };

/**
 * Our server pointed at a Logto-shaped IdP as if it were a tenant (LOGTO_ENDPOINT), so the tests
 * control that IdP: short token lifetimes, a second resource, a second issuer, and stopping it.
 */
describe('negative end to end: what must not get in', () => {
  let idp: DevIdp;
  let foreignIdp: DevIdp;
  let server: RunningServer;
  const logs = new LogCapture();
  const OTHER_RESOURCE = 'https://other-api.example';

  before(async () => {
    const port = await freePort();
    // The server's two resources (one per endpoint), and the origin-only identifier of before: a
    // resource of this tenant that is no longer one of the server's.
    const ours = { [`http://localhost:${port}/mcp`]: ['whoami:read'], [`http://localhost:${port}/sse`]: ['whoami:read'] };
    idp = await startDevIdp({ port: 0, resources: { ...ours, [`http://localhost:${port}/`]: ['whoami:read'], [OTHER_RESOURCE]: [] }, accessTokenTtlSeconds: 2, logger: silent });
    foreignIdp = await startDevIdp({ port: 0, resources: ours, logger: silent });
    server = await startServer({ PORT: String(port), LOGTO_ENDPOINT: idp.origin, LOG_LEVEL: 'debug' }, { logDestination: logs, banner: false });
    await server.ready;
  });
  after(async () => {
    await server.close();
    await idp.close().catch(() => {});
    await foreignIdp.close();
  });

  const token = (o: { resource?: string; issuer?: string; username?: string } = {}) =>
    getDevToken({
      issuer: o.issuer ?? idp.issuer,
      username: o.username ?? 'alice',
      password: password(o.username ?? 'alice'),
      ...(o.resource ? { resource: o.resource } : {}),
    }).then((t) => t.access_token);

  const challenge = (h: Headers) => h.get('www-authenticate') ?? '';
  const rm = () => `resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`;

  it('no token: 401, challenge with resource_metadata and scope, no error', async () => {
    const r = await postMcp(server.mcpUrl, {});
    assert.equal(r.status, 401);
    assert.equal(challenge(r.headers), `Bearer scope="openid profile email", ${rm()}`);
  });

  it('SSE without a token: 401 pointing at the /sse metadata', async () => {
    const r = await fetch(server.sseUrl, { headers: { accept: 'text/event-stream' } });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/sse"/);
    await r.body?.cancel();
  });

  it('malformed header: 400 invalid_request', async () => {
    for (const authorization of ['Bearer', 'Bearer a b', 'Bearer <script>']) {
      const r = await postMcp(server.mcpUrl, { authorization });
      assert.equal(r.status, 400, authorization);
      assert.match(challenge(r.headers), /^Bearer error="invalid_request", error_description="[^"]+", resource_metadata="/);
    }
  });

  it('garbage token: 401 invalid_token', async () => {
    const r = await postMcp(server.mcpUrl, { authorization: 'Bearer not-a-real-token' });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /^Bearer error="invalid_token"/);
  });

  it('expired JWT: 401 invalid_token (token expired)', async () => {
    const jwt = await token({ resource: server.resources.mcp });
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` })).status, 200, 'valid while fresh');
    await sleep(2_000 + 5_000 + 1_200); // lifetime + clock tolerance
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /error="invalid_token", error_description="token expired"/);
  });

  it('JWT for another API resource (audience): 401, and never retried through userinfo', async () => {
    const jwt = await token({ resource: OTHER_RESOURCE });
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /error="invalid_token", error_description="token claims rejected \(aud\)"/);
  });

  it("a JWT for either endpoint's resource passes on both endpoints; one for the bare origin (the identifier of before) does not", async () => {
    for (const resource of [server.resources.mcp, server.resources.sse]) {
      const jwt = await token({ resource });
      assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` })).status, 200, `/mcp with aud ${resource}`);
      const sse = await fetch(server.sseUrl, { headers: { accept: 'text/event-stream', authorization: `Bearer ${jwt}` } });
      await sse.body?.cancel();
      assert.equal(sse.status, 200, `/sse with aud ${resource}`);
    }
    const origin = await token({ resource: `${server.url}/` });
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${origin}` });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /error_description="token claims rejected \(aud\)"/);
  });

  it('JWT from another issuer with our audience: 401', async () => {
    const jwt = await token({ issuer: foreignIdp.issuer, resource: server.resources.mcp });
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /error="invalid_token"/);
  });

  it('alg:none JWT with copied claims: 401', async () => {
    const jwt = await token({ resource: server.resources.mcp });
    const [, payload] = jwt.split('.');
    const forged = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${forged}` });
    assert.equal(r.status, 401);
    assert.match(challenge(r.headers), /error="invalid_token"/);
  });

  it("bob's token on alice's session: 404, and alice's session keeps working", async () => {
    const aliceToken = await token({ resource: server.resources.mcp });
    const bobToken = await token({ resource: server.resources.mcp, username: 'bob' });
    const client = await connectClient(server, 'streamable', aliceToken);
    try {
      const sessionId = (client.transport as { sessionId?: string }).sessionId!;
      assert.ok(sessionId);
      const list = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
      const hijack = await postMcp(server.mcpUrl, { authorization: `Bearer ${bobToken}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' }, list);
      assert.equal(hijack.status, 404);
      assert.ok(!hijack.text.includes(alice.sub), "no trace of alice's identity");
      assert.equal((await whoami(client))['sub'], alice.sub);
    } finally {
      await client.close();
    }
  });

  it("bob's token on alice's SSE session: 404 at /messages", async () => {
    const aliceToken = await token();
    const bobToken = await token({ username: 'bob' });
    const client = await connectClient(server, 'sse', aliceToken);
    try {
      const endpoint = (client.transport as unknown as { _endpoint?: URL })._endpoint!;
      const r = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      });
      assert.equal(r.status, 404);
      await r.body?.cancel();
      assert.equal((await whoami(client))['sub'], alice.sub);
    } finally {
      await client.close();
    }
  });

  it('bad Origin: 403 before any authentication', async () => {
    const r = await postMcp(server.mcpUrl, { origin: 'https://evil.example', authorization: 'Bearer whatever' });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('www-authenticate'), null);
    const own = await postMcp(server.mcpUrl, { origin: server.url });
    assert.equal(own.status, 401, "the server's own origin passes the guard");
  });

  it('a session id is required after initialize, and unknown ones are 404', async () => {
    const jwt = await token({ resource: server.resources.mcp });
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}` }, list)).status, 400);
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt}`, 'mcp-session-id': crypto.randomUUID() }, list)).status, 404);
  });

  it('DELETE ends a session (then 404), and a closed SSE stream frees its session', async () => {
    const jwt = await token({ resource: server.resources.mcp });
    const before = server.sessions.size;
    const client = await connectClient(server, 'streamable', jwt);
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    assert.equal(server.sessions.size, before + 1);
    const headers = { authorization: `Bearer ${jwt}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    const del = await fetch(server.mcpUrl, { method: 'DELETE', headers });
    assert.equal(del.status, 200);
    assert.equal(server.sessions.size, before);
    const after = await postMcp(server.mcpUrl, headers, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal(after.status, 404);
    await client.close();

    const sse = await connectClient(server, 'sse', jwt);
    assert.equal(server.sessions.size, before + 1);
    await sse.close();
    for (let i = 0; i < 50 && server.sessions.size > before; i++) await sleep(20);
    assert.equal(server.sessions.size, before);
  });

  it('the logs never contain a token', () => {
    assert.ok(logs.text.includes('"status":401'), 'requests were logged');
    assert.ok(!/eyJ[A-Za-z0-9_-]{20,}\./.test(logs.text), 'no JWT in the logs');
  });

  it('IdP stopped: an uncached opaque token gets 503 with Retry-After, not 401', async () => {
    const opaque = await token();
    await idp.close();
    const r = await postMcp(server.mcpUrl, { authorization: `Bearer ${opaque}` });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '5');
    assert.ok(!r.text.includes('localhost:'), 'no upstream URL in the response');
    assert.ok(!r.text.includes(' at '), 'no stack trace');
  });
});
