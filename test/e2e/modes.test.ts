import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initializeRequest, postMcp, startTestServer, tokenFor } from '../support/harness.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('TOKEN_VALIDATION and REQUIRED_SCOPES', () => {
  const servers: Server[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (env: Record<string, string>) => {
    const s = await startTestServer(env);
    servers.push(s);
    return s;
  };
  const call = (s: Server, token: string) => postMcp(s.mcpUrl, { authorization: `Bearer ${token}` });

  describe('jwt (strict production setting)', () => {
    let s: Server;
    before(async () => (s = await start({ TOKEN_VALIDATION: 'jwt' })));
    it('accepts a resource-bound JWT', async () => {
      assert.equal((await call(s, await tokenFor(s, 'alice', 'jwt'))).status, 200);
    });
    it('refuses an opaque token without asking userinfo: 401 invalid_token', async () => {
      const r = await call(s, await tokenFor(s, 'alice', 'opaque'));
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="a JWT access token is required"/);
    });
  });

  describe('userinfo (as the original tutorial)', () => {
    let s: Server;
    before(async () => (s = await start({ TOKEN_VALIDATION: 'userinfo' })));
    it('accepts an opaque token', async () => {
      assert.equal((await call(s, await tokenFor(s, 'bob', 'opaque'))).status, 200);
    });
    it('a resource-bound JWT is refused by the IdP at userinfo: 401', async () => {
      const r = await call(s, await tokenFor(s, 'bob', 'jwt'));
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });
  });

  describe('REQUIRED_SCOPES=whoami:read', () => {
    let s: Server;
    before(async () => (s = await start({ REQUIRED_SCOPES: 'whoami:read', TOKEN_VALIDATION: 'jwt' })));
    it('metadata and the 401 challenge advertise the scope', async () => {
      const prm = (await (await fetch(`${s.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported: string[] };
      assert.ok(prm.scopes_supported.includes('whoami:read'));
      const r = await postMcp(s.mcpUrl, {});
      assert.match(r.headers.get('www-authenticate') ?? '', /scope="openid profile email whoami:read"/);
    });
    it('a JWT without the permission: 403 insufficient_scope naming it', async () => {
      const r = await call(s, await tokenFor(s, 'alice', 'jwt'));
      assert.equal(r.status, 403);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope", error_description="[^"]+", scope="whoami:read", resource_metadata="/);
    });
    it('a JWT with the permission: 200', async () => {
      assert.equal((await call(s, await tokenFor(s, 'alice', 'jwt', 'openid profile email whoami:read'))).status, 200);
    });
  });

  describe('MAX_SESSIONS_PER_SUBJECT=2 under concurrency', () => {
    let s: Server;
    before(async () => (s = await start({ MAX_SESSIONS_PER_SUBJECT: '2' })));
    it('10 parallel initialize requests open exactly 2 sessions; the rest get 429', async () => {
      const token = await tokenFor(s, 'alice', 'jwt');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => postMcp(s.mcpUrl, { authorization: `Bearer ${token}` }, initializeRequest(i))));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429, 429, 429, 429, 429]);
      assert.equal(s.sessions.size, 2);
    });
  });

  describe('MCP_STATELESS=true', () => {
    let s: Server;
    before(async () => (s = await start({ MCP_STATELESS: 'true' })));
    it('serves tools/call without initialize, and refuses GET', async () => {
      const token = await tokenFor(s, 'alice', 'jwt');
      const r = await postMcp(s.mcpUrl, { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' }, {
        jsonrpc: '2.0',
        id: 'x',
        method: 'tools/call',
        params: { name: 'whoami', arguments: {} },
      });
      assert.equal(r.status, 200);
      const result = (r.json as { result: { structuredContent: { sub: string; token_type: string } } }).result;
      assert.equal(result.structuredContent.token_type, 'jwt');
      assert.equal(r.headers.get('mcp-session-id'), null);
      const get = await fetch(s.mcpUrl, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
      assert.equal(get.status, 405);
      await get.body?.cancel();
    });
  });
});
