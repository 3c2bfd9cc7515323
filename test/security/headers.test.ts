import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { extractBearerToken, MAX_TOKEN_LENGTH } from '../../src/auth/bearer-header.js';
import { AuthError } from '../../src/auth/errors.js';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { INIT, openSse, parseChallenge, parseRaw, rawRequest, startAgainst, type TestServer } from '../support/security.js';

/** Every MCP endpoint and how to knock on it. */
const ENDPOINTS = [
  { path: '/mcp', method: 'POST', prm: '/mcp' },
  { path: '/sse', method: 'GET', prm: '/sse' },
  { path: '/messages?sessionId=x', method: 'POST', prm: '/sse' },
] as const;

describe('Bearer header parsing and RFC 6750 §3.1 answers', () => {
  let idp: FakeIdp;
  let server: TestServer;
  let good: string;
  let narrow: string;

  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp, { REQUIRED_SCOPES: 'whoami:read', MAX_SESSIONS_PER_SUBJECT: '1000' });
    good = await idp.accessToken('header-user', server.resources.mcp, { scope: 'openid whoami:read' });
    narrow = await idp.accessToken('header-user', server.resources.mcp, { scope: 'openid profile' });
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  const send = (path: string, method: string, authorization?: string, extra: Record<string, string> = {}) =>
    fetch(new URL(path, server.url), {
      method,
      headers: {
        'content-type': 'application/json',
        accept: method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
        ...(authorization !== undefined ? { authorization } : {}),
        ...extra,
      },
      ...(method === 'POST' ? { body: JSON.stringify(INIT) } : {}),
    });

  it('RFC 6750 §3.1 + RFC 9728 §5.1: no credentials → 401, a Bearer challenge with resource_metadata and scope but NO error, on every endpoint', async () => {
    for (const e of ENDPOINTS) {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Digest username="a"', 'DPoP abc', 'Negotiate abc', 'Bearertoken']) {
        const res = await send(e.path, e.method, authorization);
        await res.body?.cancel();
        assert.equal(res.status, 401, `${e.path} ${authorization}`);
        const { params } = parseChallenge(res.headers.get('www-authenticate'));
        assert.equal(params['error'], undefined, 'no error code without credentials');
        assert.equal(params['resource_metadata'], `${server.url}/.well-known/oauth-protected-resource${e.prm}`);
        assert.ok(params['scope']?.includes('whoami:read'));
      }
    }
  });

  it('RFC 6750 §3.1: malformed credentials → 400 invalid_request, strict challenge grammar, on every endpoint', async () => {
    const malformed = [
      'Bearer',
      'Bearer ',
      'Bearer    ',
      'Bearer a b',
      'Bearer a,b',
      'Bearer a"b',
      'Bearer tok\ten',
      'Bearer ===',
      `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`,
      'Basic dXNlcjpwYXNz, Bearer abc',
      'Bearer abc, Basic dXNlcjpwYXNz',
    ];
    for (const e of ENDPOINTS) {
      for (const authorization of malformed) {
        const res = await send(e.path, e.method, authorization);
        await res.body?.cancel();
        assert.equal(res.status, 400, `${e.path} ${authorization.slice(0, 40)}`);
        const { params } = parseChallenge(res.headers.get('www-authenticate'));
        assert.equal(params['error'], 'invalid_request');
      }
    }
  });

  it('RFC 6750 §2.3 + §3.1 / RFC 9700 §4.3.2 / MCP auth "tokens MUST NOT be in the query": a query token alone is an unsupported method → the same 401 challenge as no credentials', async () => {
    for (const e of ENDPOINTS) {
      const none = await send(e.path, e.method, undefined);
      await none.body?.cancel();
      const sep = e.path.includes('?') ? '&' : '?';
      for (const auth of [undefined, 'Basic dXNlcjpwYXNz']) {
        const res = await send(`${e.path}${sep}access_token=${good}`, e.method, auth);
        await res.body?.cancel();
        assert.equal(res.status, 401, `${e.path} ${auth}`);
        assert.equal(res.headers.get('www-authenticate'), none.headers.get('www-authenticate'), 'the very challenge of a request without credentials');
        assert.equal(parseChallenge(res.headers.get('www-authenticate')).params['error'], undefined);
      }
    }
  });

  it('RFC 6750 §3.1 "more than one method": a query token next to a header token → 400 invalid_request, even when the header token is good', async () => {
    for (const e of ENDPOINTS) {
      const sep = e.path.includes('?') ? '&' : '?';
      for (const token of [good, 'x'.repeat(43)]) {
        const res = await send(`${e.path}${sep}access_token=${token}`, e.method, `Bearer ${good}`);
        await res.body?.cancel();
        assert.equal(res.status, 400);
        assert.equal(parseChallenge(res.headers.get('www-authenticate')).params['error'], 'invalid_request');
      }
    }
  });

  it('RFC 6750 §2.2: a form-encoded body token is not a credential → 401 without error', async () => {
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${good}` });
    await res.body?.cancel();
    assert.equal(res.status, 401);
    assert.equal(parseChallenge(res.headers.get('www-authenticate')).params['error'], undefined);
  });

  it('RFC 6750 §3.1: a bad token → 401 invalid_token; error_description never echoes the token', async () => {
    const canary = `CANARY${'x'.repeat(40)}`;
    for (const e of ENDPOINTS) {
      const res = await send(e.path, e.method, `Bearer ${canary}`);
      const text = await res.text();
      assert.equal(res.status, 401);
      const header = res.headers.get('www-authenticate')!;
      assert.equal(parseChallenge(header).params['error'], 'invalid_token');
      assert.ok(!header.includes('CANARY') && !text.includes('CANARY'));
    }
  });

  it('RFC 6750 §3.1 + MCP auth "scope challenge": a valid token without the required scope → 403 insufficient_scope with scope', async () => {
    for (const e of ENDPOINTS) {
      const res = await send(e.path, e.method, `Bearer ${narrow}`);
      await res.body?.cancel();
      assert.equal(res.status, 403, e.path);
      const { params } = parseChallenge(res.headers.get('www-authenticate'));
      assert.equal(params['error'], 'insufficient_scope');
      assert.equal(params['scope'], 'whoami:read');
      assert.ok(params['resource_metadata']);
    }
  });

  it('RFC 7235 §2.1 / RFC 6750 §2.1: the scheme is case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await send('/mcp', 'POST', `${scheme} ${good}`);
      await res.body?.cancel();
      assert.equal(res.status, 200, scheme);
    }
  });

  it('RFC 9110 §5.3 / OWASP API8: repeated Authorization headers (joined or smuggled) → 400 invalid_request', async () => {
    const body = JSON.stringify(INIT);
    for (const [a, b] of [
      [`Bearer ${good}`, `Bearer ${good}`],
      [`Bearer ${good}`, 'Bearer other'],
      ['Basic dXNlcjpwYXNz', `Bearer ${good}`],
      [`Bearer ${good}`, 'Basic dXNlcjpwYXNz'],
    ] as const) {
      const raw = await rawRequest(
        server.port,
        `POST /mcp HTTP/1.1\r\nHost: localhost:${server.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
          `Authorization: ${a}\r\nAuthorization: ${b}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      const res = parseRaw(raw);
      assert.equal(res.status, 400, `${a.slice(0, 12)} + ${b.slice(0, 12)}`);
      assert.equal(parseChallenge(res.headers.get('www-authenticate')?.[0] ?? null).params['error'], 'invalid_request');
    }
  });

  it('OWASP API4 / RFC 9110 §5.4: pathological header values parse in bounded time and never crash the server', async () => {
    const values = [
      `Bearer ${'a'.repeat(14_000)}`,
      `Bearer ${'a='.repeat(7_000)}!`,
      `Bearer ${'='.repeat(14_000)}a`,
      `${', '.repeat(7_000)}bearer x`,
      `Basic ${',\t'.repeat(6_000)}`,
      `Bearer${' '.repeat(14_000)}x`,
      `${'Bearer '.repeat(2_000)}`,
      `Bearer ${'.'.repeat(14_000)}`,
      `Bearer ${'a.'.repeat(7_000)}a`,
    ];
    const started = Date.now();
    for (const authorization of values) {
      const t0 = Date.now();
      const res = await send('/mcp', 'POST', authorization, { 'mcp-session-id': 'x'.repeat(500) });
      await res.body?.cancel();
      assert.ok([400, 401].includes(res.status), `status ${res.status}`);
      if (res.status !== 200) parseChallenge(res.headers.get('www-authenticate'));
      assert.ok(Date.now() - t0 < 2000, 'each answer is prompt');
    }
    assert.ok(Date.now() - started < 10_000);
    // Over Node's header limit: 431, and the server keeps serving.
    const huge = await send('/mcp', 'POST', `Bearer ${'a'.repeat(40_000)}`).catch(() => undefined);
    if (huge) {
      assert.equal(huge.status, 431);
      await huge.body?.cancel();
    }
    const ok = await send('/mcp', 'POST', `Bearer ${good}`);
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  });

  it('RFC 6750 §2.1: the parser itself is linear on megabyte inputs (ReDoS)', () => {
    const url = new URL('http://localhost/mcp');
    const inputs = [`Bearer ${'a'.repeat(1_000_000)}`, `${', '.repeat(500_000)}bearer`, `Bearer ${'a='.repeat(500_000)}!`, `Basic ${',\t'.repeat(500_000)}`];
    for (const input of inputs) {
      const t0 = performance.now();
      try {
        extractBearerToken(input, url);
      } catch (error) {
        assert.ok(error instanceof AuthError);
      }
      assert.ok(performance.now() - t0 < 500, 'linear time');
    }
  });

  it('RFC 9110 §11.6.1 / RFC 6750 §3: exactly one Bearer challenge, never a second scheme', async () => {
    const res = await send('/sse', 'GET');
    await res.body?.cancel();
    const header = res.headers.get('www-authenticate')!;
    assert.equal(header.match(/Bearer/g)?.length, 1);
  });

  it('MCP transport: a valid token opens an SSE stream (control for the refusals above)', async () => {
    const s = await openSse(server, good);
    s.stream.close();
  });
});
