/**
 * The refusal matrix through `createApp(...).request()` — the whole app, no port: every refusal's
 * exact status, headers and body, as a client reads them. The port-based suites beside this one
 * prove the same answers survive Node's HTTP server; these pin them byte for byte.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SessionRegistry } from '../../src/transports/sessions.js';
import { INIT } from '../support/security.js';
import { inProcessApp, MAX_BODY_BYTES, PUBLIC_URL, RESOURCES, type InProcessApp } from '../support/in-process-app.js';

const PRM = `${PUBLIC_URL}/.well-known/oauth-protected-resource`;
const OFFERED = 'scope="openid profile whoami:read"';
const JSON_TYPE = 'application/json';

/** Every MCP endpoint, how to knock on it, and the metadata document its challenges name. */
const ENDPOINTS = [
  { path: '/mcp', method: 'POST', prm: `${PRM}/mcp` },
  { path: '/sse', method: 'GET', prm: `${PRM}/sse` },
  { path: '/messages?sessionId=x', method: 'POST', prm: `${PRM}/sse` },
] as const;

/** The answer as a client reads it: status, the headers that matter, the body's exact text. */
async function read(res: Response) {
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    challenge: res.headers.get('www-authenticate'),
    retryAfter: res.headers.get('retry-after'),
    body: await res.text(),
  };
}

const oauth = (error: string, description?: string) => JSON.stringify(description === undefined ? { error } : { error, error_description: description });
const rpc = (code: number, message: string) => JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });

/** The request log lines (`msg: request`) written since `from`. */
function requestLines(subject: InProcessApp, from: number): Array<Record<string, unknown>> {
  return subject.logs.chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** GET /sse in process: the stream stays open until `close`; its first event names the POST path. */
async function openSseStream(subject: InProcessApp, authorization: string): Promise<{ messagesPath: string; close: () => Promise<void> }> {
  const res = await subject.request('/sse', { headers: { authorization, accept: 'text/event-stream' } });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const at = /event: endpoint\ndata: (\S+)\n/.exec(text);
    if (at) return { messagesPath: at[1]!, close: () => reader.cancel() };
    const { done, value } = await reader.read();
    if (done) throw new Error('the SSE stream ended before its endpoint event');
    text += decoder.decode(value, { stream: true });
  }
}

describe('refusals through createApp().request() (no port)', () => {
  let subject: InProcessApp;
  beforeEach(async () => {
    subject = await inProcessApp();
  });

  const knock = (e: (typeof ENDPOINTS)[number], headers: Record<string, string> = {}) =>
    subject.request(e.path, {
      method: e.method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(e.method === 'POST' ? { body: JSON.stringify(INIT) } : {}),
    });

  it('RFC 6750 §3.1: no credentials → 401 {"error":"unauthorized"}, a challenge with the offered scopes and no error, on every endpoint', async () => {
    for (const e of ENDPOINTS) {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
        assert.deepEqual(await read(await knock(e, authorization ? { authorization } : {})), {
          status: 401,
          contentType: JSON_TYPE,
          challenge: `Bearer ${OFFERED}, resource_metadata="${e.prm}"`,
          retryAfter: null,
          body: oauth('unauthorized'),
        }, `${e.path} ${authorization}`);
      }
    }
  });

  it('RFC 6750 §3.1: malformed credentials → 400 invalid_request with its description, no scope in the challenge', async () => {
    const cases = [
      ['Bearer', 'missing bearer token'],
      ['Bearer a"b', 'malformed bearer token'],
      [`Bearer ${'a'.repeat(8193)}`, 'bearer token too long'],
      ['Basic dXNlcjpwYXNz, Bearer abc', 'multiple credentials'],
    ] as const;
    for (const e of ENDPOINTS) {
      for (const [authorization, description] of cases) {
        assert.deepEqual(await read(await knock(e, { authorization })), {
          status: 400,
          contentType: JSON_TYPE,
          challenge: `Bearer error="invalid_request", error_description="${description}", resource_metadata="${e.prm}"`,
          retryAfter: null,
          body: oauth('invalid_request', description),
        }, `${e.path} ${description}`);
      }
    }
    const both = await subject.request(`/mcp?access_token=abc`, { method: 'POST', headers: { authorization: `Bearer ${await subject.token()}` }, body: JSON.stringify(INIT) });
    assert.equal((await read(both)).body, oauth('invalid_request', 'more than one method of sending an access token'));
  });

  it('RFC 6750 §3.1 / RFC 8707: a bad token → 401 invalid_token with the offered scopes; the request log line (info) says why, and names the fix for another resource\'s token', async () => {
    const cases = [
      [{ foreignKey: true }, 'signature verification failed', {}],
      [{ aud: 'https://api.example/other' }, 'token claims rejected (aud)', {
        fix: `the token was issued for another resource: the client must ask for resource=${RESOURCES.mcp}, the Logto API identifier (--doctor checks it exists)`,
      }],
    ] as const;
    for (const [claims, description, fix] of cases) {
      const from = subject.logs.chunks.length;
      assert.deepEqual(await read(await knock(ENDPOINTS[0], { authorization: `Bearer ${await subject.token(claims)}` })), {
        status: 401,
        contentType: JSON_TYPE,
        challenge: `Bearer error="invalid_token", error_description="${description}", ${OFFERED}, resource_metadata="${PRM}/mcp"`,
        retryAfter: null,
        body: oauth('invalid_token', description),
      });
      const [line] = requestLines(subject, from);
      assert.equal(line?.['level'], 30);
      assert.deepEqual(line?.['refusal'], { error: 'invalid_token', reason: description, ...fix });
    }
  });

  it('RFC 6750 §3.1: a valid token without the required scope → 403 insufficient_scope naming the required scope, on every endpoint', async () => {
    const narrow = await subject.token({ scope: 'openid profile' });
    for (const e of ENDPOINTS) {
      assert.deepEqual(await read(await knock(e, { authorization: `Bearer ${narrow}` })), {
        status: 403,
        contentType: JSON_TYPE,
        challenge: `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="whoami:read", resource_metadata="${e.prm}"`,
        retryAfter: null,
        body: oauth('insufficient_scope', 'the token lacks a required scope'),
      }, e.path);
    }
  });

  it('MCP transports (DNS rebinding): a foreign Origin or Host → 403 forbidden before any authentication', async () => {
    const origin = await knock(ENDPOINTS[0], { origin: 'https://evil.example' });
    assert.deepEqual(await read(origin), { status: 403, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: oauth('forbidden', 'origin not allowed') });
    const host = await knock(ENDPOINTS[0], { host: 'evil.example:3000' });
    assert.deepEqual(await read(host), { status: 403, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: oauth('forbidden', 'host not allowed') });
    const sameName = await knock(ENDPOINTS[0], { host: '127.0.0.1:9999', origin: 'http://localhost:1234' });
    assert.equal(sameName.status, 401, 'loopback names on any port pass the guard and reach the gate');
  });

  it('RFC 9728 §3: no /messages metadata document and no unknown route → 404 {"error":"not_found"} (the documents keep CORS *)', async () => {
    const messages = await subject.request('/.well-known/oauth-protected-resource/messages', { headers: { origin: 'https://any.example' } });
    assert.equal(messages.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await read(messages), { status: 404, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: oauth('not_found') });
    assert.deepEqual(await read(await subject.request('/nowhere')), { status: 404, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: oauth('not_found') });
  });

  it('before discovery: the gate and the metadata documents → 503 temporarily_unavailable + Retry-After: 5; /readyz is red', async () => {
    subject.ready(false);
    for (const e of ENDPOINTS) {
      assert.deepEqual(await read(await knock(e, { authorization: `Bearer ${await subject.token()}` })), {
        status: 503,
        contentType: JSON_TYPE,
        challenge: null,
        retryAfter: '5',
        body: oauth('temporarily_unavailable', 'identity provider not discovered yet'),
      }, e.path);
    }
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server']) {
      assert.deepEqual(await read(await subject.request(path)), { status: 503, contentType: JSON_TYPE, challenge: null, retryAfter: '5', body: oauth('temporarily_unavailable') }, path);
    }
    assert.deepEqual(await read(await subject.request('/readyz')), { status: 503, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: JSON.stringify({ status: 'discovering' }) });
  });

  it('OWASP API10: the identity provider not answering (userinfo for an opaque token) → 503 + Retry-After: 5, never 401; a warning names the cause', async () => {
    const from = subject.logs.chunks.length;
    const res = await knock(ENDPOINTS[0], { authorization: `Bearer ${'o'.repeat(43)}` });
    assert.deepEqual(await read(res), { status: 503, contentType: JSON_TYPE, challenge: null, retryAfter: '5', body: oauth('temporarily_unavailable', 'the identity provider is unavailable') });
    assert.match(subject.logs.chunks.slice(from).join(''), /"level":40,[^\n]*"reason":"userinfo unreachable"[^\n]*"msg":"identity provider unavailable"/);
  });

  it('an unexpected failure → 500 {"error":"server_error"}: no message, no stack in the answer; the log has the cause', async () => {
    subject.authenticateWith(() => Promise.reject(new Error('database password is hunter2')));
    const from = subject.logs.chunks.length;
    const res = await knock(ENDPOINTS[0], { authorization: `Bearer ${await subject.token()}` });
    assert.deepEqual(await read(res), { status: 500, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: oauth('server_error') });
    const logged = subject.logs.chunks.slice(from).join('');
    assert.match(logged, /"level":50,[^\n]*"message":"database password is hunter2"[^\n]*"msg":"unhandled error"/);
    assert.deepEqual(requestLines(subject, from).map((line) => [line['level'], line['status']]), [[40, 500]]);
  });

  it('413: a body over MAX_BODY_BYTES → the JSON-RPC error; declared beyond the drain bound → with Connection: close', async () => {
    const authorization = `Bearer ${await subject.token()}`;
    const big = JSON.stringify({ ...INIT, pad: 'x'.repeat(MAX_BODY_BYTES) });
    const stream = await openSseStream(subject, authorization);
    for (const path of ['/mcp', stream.messagesPath]) {
      const res = await subject.request(path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: big });
      assert.equal(res.headers.get('connection'), null);
      assert.deepEqual(await read(res), { status: 413, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: rpc(-32600, `Request body exceeds ${MAX_BODY_BYTES} bytes`) }, path);
    }
    await stream.close();
    const declared = await subject.request('/mcp', { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) }, body: big });
    assert.equal(declared.headers.get('connection'), 'close');
    assert.deepEqual(await read(declared), { status: 413, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: rpc(-32600, `Request body exceeds ${MAX_BODY_BYTES} bytes`) });
  });

  it('JSON-RPC refusals of the 2025 and 2024-11-05 transports: parse error, no session id, unknown session, not a JSON-RPC message', async () => {
    const authorization = `Bearer ${await subject.token()}`;
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      subject.request(path, { method: 'POST', headers: { authorization, 'content-type': 'application/json', ...headers }, body });
    const cases: Array<[Promise<Response>, number, string]> = [
      [post('/mcp', '{not json'), 400, rpc(-32700, 'Parse error: invalid JSON')],
      [post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })), 400, rpc(-32000, 'Bad Request: Mcp-Session-Id header is required')],
      [post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': 'nope' }), 404, rpc(-32000, 'Session not found')],
      [post('/messages', JSON.stringify(INIT)), 400, rpc(-32000, 'Bad Request: sessionId query parameter is required')],
      [post('/messages?sessionId=nope', JSON.stringify(INIT)), 404, rpc(-32000, 'Session not found')],
    ];
    for (const [pending, status, body] of cases) {
      assert.deepEqual(await read(await pending), { status, contentType: JSON_TYPE, challenge: null, retryAfter: null, body });
    }
  });

  it('the session caps: one subject past its cap → 429, past the global cap → 503, both with Retry-After: 30 (the JSON-RPC error), and no "unhandled error" line', async () => {
    subject = await inProcessApp({ sessions: new SessionRegistry({ idleTimeoutMs: 60_000, maxSessions: 2, maxPerOwner: 1 }) });
    const open = async (sub: string) =>
      subject.request('/mcp', { method: 'POST', headers: { authorization: `Bearer ${await subject.token({ sub })}`, 'content-type': 'application/json' }, body: JSON.stringify(INIT) });
    const first = await open('a');
    assert.equal(first.status, 200);
    assert.ok(first.headers.get('mcp-session-id'));
    await first.body?.cancel();
    assert.deepEqual(await read(await open('a')), { status: 429, contentType: JSON_TYPE, challenge: null, retryAfter: '30', body: rpc(-32000, 'too many sessions for this user') });
    assert.equal((await open('b')).status, 200);
    assert.deepEqual(await read(await open('c')), { status: 503, contentType: JSON_TYPE, challenge: null, retryAfter: '30', body: rpc(-32000, 'too many sessions') });
    assert.doesNotMatch(subject.logs.text, /unhandled error/);
  });

  it('MCP_STATELESS: GET or DELETE on /mcp → 405 with Allow: POST', async () => {
    subject = await inProcessApp({ stateless: true });
    for (const method of ['GET', 'DELETE']) {
      const res = await subject.request('/mcp', { method, headers: { authorization: `Bearer ${await subject.token()}` } });
      assert.equal(res.headers.get('allow'), 'POST');
      assert.deepEqual(await read(res), { status: 405, contentType: JSON_TYPE, challenge: null, retryAfter: null, body: rpc(-32000, 'Method not allowed in stateless mode') }, method);
    }
  });
});
