import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { parseChallenge, parseRaw, rawRequest, startAgainst, type TestServer } from '../support/security.js';

/** GET over a raw socket so Host and forwarding headers are exactly what we say. */
async function rawGet(server: TestServer, path: string, headers: Record<string, string>): Promise<ReturnType<typeof parseRaw>> {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return parseRaw(await rawRequest(server.port, `GET ${path} HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`));
}

const SPOOFS: Array<Record<string, string>> = [
  { Host: 'evil.example' },
  { Host: 'evil.example:443', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' },
  { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Port': '8443', 'X-Forwarded-Prefix': '/evil' },
  { Forwarded: 'host=evil.example;proto=https' },
  { 'X-Original-URL': '/evil', 'X-Rewrite-URL': '/evil' },
];

describe('Protected-resource metadata exactness (RFC 9728, RFC 8707, MCP authorization spec)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  let pathServer: TestServer;

  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp);
    pathServer = await startAgainst(idp, { PUBLIC_URL: 'https://tools.example.com/whoami', MCP_RESOURCE: 'https://tools.example.com/whoami' });
  });
  after(async () => {
    await server.close();
    await pathServer.close();
    await idp.close();
  });

  it('RFC 9728 §3.2-3.3: each path-suffixed document names exactly its endpoint\'s resource; the root names /mcp\'s; there is no /messages document', async () => {
    const expected: Array<[string, string]> = [
      ['', `${server.url}/mcp`],
      ['/mcp', `${server.url}/mcp`],
      ['/sse', `${server.url}/sse`],
    ];
    for (const [suffix, resource] of expected) {
      const res = await fetch(`${server.url}/.well-known/oauth-protected-resource${suffix}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body['resource'], resource, suffix || '(root)');
      assert.deepEqual(body['authorization_servers'], [idp.issuer]);
      assert.deepEqual(body['bearer_methods_supported'], ['header']);
    }
    assert.deepEqual(server.resources, { mcp: `${server.url}/mcp`, sse: `${server.url}/sse` });
    // No resource identifier ends in /messages (it belongs to /sse's resource, whose document its challenges name).
    for (const suffix of ['/admin', '/messages']) {
      const unknown = await fetch(`${server.url}/.well-known/oauth-protected-resource${suffix}`);
      await unknown.body?.cancel();
      assert.equal(unknown.status, 404, suffix);
    }
    const messages = await fetch(`${server.url}/messages?sessionId=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await messages.body?.cancel();
    assert.equal(messages.status, 401);
    assert.equal(parseChallenge(messages.headers.get('www-authenticate')).params['resource_metadata'], `${server.url}/.well-known/oauth-protected-resource/sse`);
  });

  it('MCP_RESOURCE (single-resource mode): every document names that one identifier', async () => {
    for (const suffix of ['', '/mcp', '/sse', '/whoami', '/whoami/mcp', '/whoami/sse']) {
      const prm = await rawGet(pathServer, `/.well-known/oauth-protected-resource${suffix}`, { Host: `127.0.0.1:${pathServer.port}` });
      assert.equal(prm.status, 200, suffix);
      assert.equal(JSON.parse(prm.body)['resource'], 'https://tools.example.com/whoami', suffix);
    }
  });

  it('RFC 8414 §3.3: the authorization-server mirror is the issuer document byte for byte (issuer echo intact)', async () => {
    const mirror = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    const original = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(mirror, original);
    assert.equal(mirror['issuer'], idp.issuer);
  });

  it('RFC 9728 §3.1, §5.1 + PUBLIC_URL with a path: metadata lives at the path-inserted URL and challenges point there', async () => {
    const prm = await rawGet(pathServer, '/.well-known/oauth-protected-resource/whoami/mcp', { Host: `127.0.0.1:${pathServer.port}` });
    assert.equal(prm.status, 200);
    assert.equal(JSON.parse(prm.body)['resource'], 'https://tools.example.com/whoami');
    // Without MCP_RESOURCE the endpoints under the path are the resources.
    const perEndpoint = await startAgainst(idp, { PUBLIC_URL: 'https://tools.example.com/whoami' });
    try {
      for (const [suffix, resource] of [['/whoami', 'mcp'], ['/whoami/mcp', 'mcp'], ['/whoami/sse', 'sse']] as const) {
        const doc = await rawGet(perEndpoint, `/.well-known/oauth-protected-resource${suffix}`, { Host: `127.0.0.1:${perEndpoint.port}` });
        assert.equal(JSON.parse(doc.body)['resource'], `https://tools.example.com/whoami/${resource}`, suffix);
      }
    } finally {
      await perEndpoint.close();
    }
    const challenge = await rawGet(pathServer, '/sse', { Host: 'tools.example.com' });
    assert.equal(challenge.status, 401);
    assert.equal(
      parseChallenge(challenge.headers.get('www-authenticate')?.[0] ?? null).params['resource_metadata'],
      'https://tools.example.com/.well-known/oauth-protected-resource/whoami/sse',
    );
  });

  it('RFC 9728 §7.3 (impersonation) / MCP security best practices: Host and X-Forwarded-* never change the metadata', async () => {
    const base = await rawGet(server, '/.well-known/oauth-protected-resource/mcp', { Host: `localhost:${server.port}` });
    assert.equal(base.status, 200);
    for (const spoof of SPOOFS) {
      const res = await rawGet(server, '/.well-known/oauth-protected-resource/mcp', { Host: `localhost:${server.port}`, ...spoof });
      assert.equal(res.status, 200, JSON.stringify(spoof));
      assert.deepEqual(JSON.parse(res.body), JSON.parse(base.body), JSON.stringify(spoof));
      assert.ok(!res.body.includes('evil'));
    }
    for (const spoof of SPOOFS) {
      const res = await rawGet(server, '/.well-known/oauth-authorization-server', { Host: `localhost:${server.port}`, ...spoof });
      assert.ok(!res.body.includes('evil'));
    }
  });

  it('RFC 9728 §5.1 / RFC 6750 §3: Host and X-Forwarded-* never change the resource_metadata in a challenge', async () => {
    const want = `${server.url}/.well-known/oauth-protected-resource/sse`;
    for (const spoof of [{}, ...SPOOFS.filter((s) => !s['Host'])]) {
      const res = await rawGet(server, '/sse', { Host: `localhost:${server.port}`, ...spoof });
      assert.equal(res.status, 401, JSON.stringify(spoof));
      const header = res.headers.get('www-authenticate')?.[0] ?? null;
      assert.equal(parseChallenge(header).params['resource_metadata'], want);
    }
    // On the path-configured server every Host it accepts gets the same, configured URL.
    for (const host of ['tools.example.com', `localhost:${pathServer.port}`, `127.0.0.1:${pathServer.port}`]) {
      const res = await rawGet(pathServer, '/mcp', { Host: host, 'X-Forwarded-Host': 'evil.example' });
      assert.equal(res.status, 401, host);
      assert.equal(
        parseChallenge(res.headers.get('www-authenticate')?.[0] ?? null).params['resource_metadata'],
        'https://tools.example.com/.well-known/oauth-protected-resource/whoami/mcp',
      );
    }
  });

  it('MCP security best practices (DNS rebinding): on loopback a foreign Host on an MCP endpoint → 403, never a challenge naming it', async () => {
    for (const path of ['/mcp', '/sse']) {
      const res = await rawGet(server, path, { Host: 'evil.example' });
      assert.equal(res.status, 403);
      assert.ok(!(res.headers.get('www-authenticate')?.[0] ?? '').includes('evil'));
    }
  });
});

describe('Host handling when not on loopback (MCP security best practices, DNS rebinding)', () => {
  it('MCP transports "validate Origin": off loopback Host is left to the proxy, but a foreign Origin is still 403', async () => {
    const { Hono } = await import('hono');
    const { originGuard } = await import('../../src/http/guard.js');
    const app = new Hono();
    app.use('*', originGuard({ allowedOrigins: new Set(['https://mcp.example.com']), allowedHostnames: undefined }));
    app.get('/mcp', (c) => c.text('through'));
    const ok = await app.request('http://internal:3001/mcp', { headers: { host: 'internal:3001' } });
    assert.equal(ok.status, 200, 'any Host behind a proxy');
    const own = await app.request('http://internal:3001/mcp', { headers: { origin: 'https://mcp.example.com' } });
    assert.equal(own.status, 200);
    for (const origin of ['https://evil.example', 'null', 'https://mcp.example.com.evil.example', 'http://mcp.example.com']) {
      const res = await app.request('http://internal:3001/mcp', { headers: { origin, host: 'mcp.example.com' } });
      assert.equal(res.status, 403, origin);
    }
  });
  it('on loopback the Host verdict is remembered per value, never across values: a refused Host stays refused, past the memo too', async () => {
    const { Hono } = await import('hono');
    const { originGuard } = await import('../../src/http/guard.js');
    const app = new Hono();
    app.use('*', originGuard({ allowedOrigins: new Set(['http://localhost:3001']), allowedHostnames: ['localhost', '127.0.0.1', '[::1]'] }));
    app.post('/mcp', (c) => c.text('through'));
    const status = async (host: string) => (await app.request('http://localhost:3001/mcp', { method: 'POST', headers: { host } })).status;
    // Twice each, so the second answer comes from the remembered verdict; then more distinct values than it keeps.
    for (let round = 0; round < 2; round++) {
      assert.equal(await status('localhost:3001'), 200);
      assert.equal(await status('127.0.0.1:9'), 200, 'names are compared, not ports');
      assert.equal(await status('evil.example:3001'), 403);
      assert.equal(await status('localhost.evil.example'), 403);
    }
    for (let i = 0; i < 40; i++) assert.equal(await status(`rebind-${i}.example`), 403);
    assert.equal(await status('evil.example:3001'), 403);
    assert.equal(await status('[::1]:3001'), 200);
    assert.equal((await app.request('http://localhost:3001/mcp', { method: 'POST' })).status, 403, 'no Host at all');
  });
});
