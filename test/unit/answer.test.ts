import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthError } from '../../src/auth/errors.js';
import { answer } from '../../src/http/answer.js';
import { HttpError, temporarilyUnavailable } from '../../src/http/errors.js';
import { jsonRpcError, SERVER_ERROR } from '../../src/http/jsonrpc.js';
import { SessionLimitError } from '../../src/transports/sessions.js';

const REALM = { resourceMetadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp', scopesSupported: ['openid', 'whoami:read'] };

async function read(res: Response) {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  return { status: res.status, headers, body: await res.text() };
}

describe('answer: the one renderer of refusals', () => {
  it('anything not exposed — an Error, a thrown string, a 5xx without Retry-After — is the generic 500, with nothing of its message', async () => {
    for (const error of [new Error('secret detail'), 'secret detail', undefined, new HttpError(502, 'bad_gateway', { description: 'secret detail' })]) {
      assert.deepEqual(await read(answer(error)), { status: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"server_error"}' });
    }
  });

  it('a 503 that says when to come back is exposed: OAuth JSON and Retry-After', async () => {
    assert.equal(temporarilyUnavailable().expose, true);
    assert.deepEqual(await read(answer(temporarilyUnavailable('not yet'))), {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '5' },
      body: '{"error":"temporarily_unavailable","error_description":"not yet"}',
    });
  });

  it('a numeric code is a JSON-RPC error with no id; its own headers go along', async () => {
    assert.deepEqual(await read(answer(jsonRpcError(405, SERVER_ERROR, 'POST only', { headers: { allow: 'POST' } }))), {
      status: 405,
      headers: { allow: 'POST', 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"POST only"},"id":null}',
    });
    assert.deepEqual(await read(answer(new SessionLimitError(503))), {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '30' },
      body: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"too many sessions"},"id":null}',
    });
  });

  it('RFC 6750 §3: a challenge needs the endpoint — 401 offers its scopes, 403 names the refusal\'s, 400 none; without the endpoint, no header', async () => {
    const challenge = (error: HttpError) => answer(error, REALM).headers.get('www-authenticate');
    const rm = `resource_metadata="${REALM.resourceMetadata}"`;
    assert.equal(challenge(new HttpError(401, 'unauthorized', { challenge: {} })), `Bearer scope="openid whoami:read", ${rm}`);
    assert.equal(challenge(new AuthError('invalid_token', 'token expired')), `Bearer error="invalid_token", error_description="token expired", scope="openid whoami:read", ${rm}`);
    assert.equal(challenge(new AuthError('insufficient_scope', 'short', { scope: ['whoami:read'] })), `Bearer error="insufficient_scope", error_description="short", scope="whoami:read", ${rm}`);
    assert.equal(challenge(new AuthError('invalid_request', 'malformed bearer token')), `Bearer error="invalid_request", error_description="malformed bearer token", ${rm}`);
    assert.equal(answer(new AuthError('invalid_token', 'x')).headers.get('www-authenticate'), null);
  });
});
