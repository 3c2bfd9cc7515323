import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverIssuer } from '../../src/oidc/discover.js';
import { DiscoveryConfigError, UpstreamError } from '../../src/oidc/errors.js';

const ISSUER = 'https://tenant.logto.app/oidc';
const doc = (over: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/me`,
  jwks_uri: `${ISSUER}/jwks`,
  id_token_signing_alg_values_supported: ['ES384', 'HS256'],
  ...over,
});
/** A fetch that answers one fixed response and records the URLs it was asked for. */
function fakeFetch(respond: () => Response | Promise<Response>) {
  const urls: string[] = [];
  const f = (async (input: string | URL | Request) => {
    urls.push(String(input));
    return respond();
  }) as typeof fetch;
  return { f, urls };
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('discoverIssuer', () => {
  it("fetches Logto's discovery path and keeps only asymmetric algorithms", async () => {
    const { f, urls } = fakeFetch(() => json(doc()));
    const m = await discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: f });
    assert.deepEqual(urls, ['https://tenant.logto.app/oidc/.well-known/openid-configuration']);
    assert.equal(m.issuer, ISSUER);
    assert.equal(m.jwksUri, `${ISSUER}/jwks`);
    assert.equal(m.userinfoEndpoint, `${ISSUER}/me`);
    assert.deepEqual(m.algorithms, ['ES384']);
    assert.equal(m.raw['token_endpoint'], `${ISSUER}/token`, 'raw document kept with snake_case keys');
  });

  it('the issuer must match byte for byte (a trailing slash is a mismatch)', async () => {
    const { f } = fakeFetch(() => json(doc({ issuer: `${ISSUER}/` })));
    await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: f }), (e: Error) => e instanceof DiscoveryConfigError && /issuer mismatch/.test(e.message));
  });

  it('endpoints must be https, or http on loopback only', async () => {
    const { f } = fakeFetch(() => json(doc({ jwks_uri: 'http://tenant.logto.app/oidc/jwks' })));
    await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: f }), /jwks_uri must be https/);
    const local = 'http://localhost:3002/oidc';
    const ok = fakeFetch(() =>
      json({ issuer: local, authorization_endpoint: `${local}/auth`, token_endpoint: `${local}/token`, userinfo_endpoint: `${local}/me`, jwks_uri: `${local}/jwks` }),
    );
    assert.equal((await discoverIssuer(local, { timeoutMs: 1000, fetch: ok.f })).issuer, local);
  });

  it('a 404 is a configuration error naming the URL; a 503 is transient', async () => {
    await assert.rejects(
      discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: fakeFetch(() => json({}, 404)).f }),
      (e: Error) => e instanceof DiscoveryConfigError && e.message.includes('https://tenant.logto.app/oidc/.well-known/openid-configuration') && /404/.test(e.message),
    );
    await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: fakeFetch(() => json({}, 503)).f }), (e: Error) => e instanceof UpstreamError && !(e instanceof DiscoveryConfigError));
  });

  it('HTML instead of JSON, or an oversized body, is a clear upstream error', async () => {
    const html = fakeFetch(() => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }));
    await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: html.f }), /did not answer JSON \(content-type text\/html\)/);
    const huge = fakeFetch(() => new Response('x'.repeat(300 * 1024)));
    await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 1000, fetch: huge.f }), /over 262144 bytes/);
  });

  it('times out', async () => {
    const hang = (async (_: unknown, init?: RequestInit) =>
      new Promise<Response>((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    // AbortSignal.timeout's timer does not keep the event loop alive; this one does.
    const keepAlive = setTimeout(() => {}, 5_000);
    try {
      await assert.rejects(discoverIssuer(ISSUER, { timeoutMs: 50, fetch: hang }), /timed out after 50 ms/);
    } finally {
      clearTimeout(keepAlive);
    }
  });
});
