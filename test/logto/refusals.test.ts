/**
 * What our server refuses when the tokens come from the real Logto: a JWT Logto minted for another API
 * resource of the same tenant, an expired JWT, a revoked opaque token, tokens from a second Logto
 * instance (a second start-logto.sh: its own database, signing keys and issuer), and REQUIRED_SCOPES
 * enforced against the permissions Logto grants through roles.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { postMcp } from '../support/harness.js';
import { logtoServerHooks } from './support/hooks.js';
import { scratchDir, startLogto, stopLogto, type LogtoInstance } from './support/logto.js';
import { startServerForLogto, suiteTokens, type LogtoServer } from './support/suite.js';
import { INSPECTOR_APP_REDIRECT_URIS, registerApiResource, setupTenant, WHOAMI_SCOPE } from './support/tenant.js';
import { logtoTokens, revoke } from './support/tokens.js';

const REDIRECT = INSPECTOR_APP_REDIRECT_URIS[1]!;

function challenge(response: { headers: Headers }): string {
  return response.headers.get('www-authenticate') ?? '';
}

describe('refusals with tokens from the real Logto', () => {
  // No userinfo cache, so a revocation at Logto shows on the very next request.
  const fixture = logtoServerHooks({ USERINFO_CACHE_TTL: '0' });

  /** Every token the tests sent, to prove none of them reached a log line. */
  const sent: string[] = [];
  const token = (user: 'alice' | 'bob', resource?: string, scope?: string) =>
    suiteTokens(fixture.suite, fixture.suite.tenant[user], { ...(resource ? { resource } : {}), ...(scope ? { scope } : {}) }).then((set) => {
      sent.push(set.access_token);
      return set;
    });

  it('a JWT Logto minted for another API resource of the tenant → 401 invalid_token', async () => {
    const { suite, server } = fixture;
    const { otherResource } = suite.tenant;
    const other = await token('alice', otherResource.indicator, `openid ${otherResource.scope}`);
    assert.equal(decodeJwt(other.access_token).aud, otherResource.indicator, 'Logto bound it to the other API');
    assert.equal(decodeJwt(other.access_token).iss, suite.logto.issuer, 'same issuer, same keys');
    const response = await postMcp(server.mcpUrl, { authorization: `Bearer ${other.access_token}` });
    assert.equal(response.status, 401);
    assert.match(challenge(response), /error="invalid_token"/);
    const mine = await token('alice', server.advertisedResource);
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${mine.access_token}` })).status, 200, 'the same user with our resource gets in');
  });

  it('a revoked opaque token → 401 invalid_token (Logto userinfo refuses it)', async () => {
    const { suite, server } = fixture;
    const opaque = await token('alice');
    assert.equal(opaque.access_token.split('.').length, 1, 'opaque');
    assert.equal((await postMcp(server.mcpUrl, { authorization: `Bearer ${opaque.access_token}` })).status, 200, 'valid before revocation');
    assert.equal(await revoke(suite.logto.issuer, suite.tenant.inspectorApp.id, opaque.access_token), 200);
    const response = await postMcp(server.mcpUrl, { authorization: `Bearer ${opaque.access_token}` });
    assert.equal(response.status, 401);
    assert.match(challenge(response), /error="invalid_token"/);
  });

  it('an expired JWT → 401 invalid_token (API resource with a 2 s access-token TTL)', async () => {
    const { suite } = fixture;
    const short = await startServerForLogto(suite, {}, { accessTokenTtl: 2 });
    try {
      const set = await token('alice', short.advertisedResource);
      const exp = Number(decodeJwt(set.access_token).exp);
      assert.equal(set.expires_in <= 2, true, `Logto honoured the resource's TTL (expires_in ${set.expires_in})`);
      // Waiting for a known instant, not timing anything: past exp plus the verifier's 5 s clock tolerance.
      await sleep(Math.max(0, (exp + 6) * 1000 - Date.now()));
      const response = await postMcp(short.mcpUrl, { authorization: `Bearer ${set.access_token}` });
      assert.equal(response.status, 401);
      assert.match(challenge(response), /error="invalid_token"/);
    } finally {
      await short.close();
    }
  });

  describe('REQUIRED_SCOPES against the permissions Logto grants through roles', () => {
    let strict: LogtoServer;
    before(async () => {
      strict = await startServerForLogto(fixture.suite, { REQUIRED_SCOPES: WHOAMI_SCOPE });
    });
    after(async () => {
      await strict?.close();
    });

    it(`bob's role lacks ${WHOAMI_SCOPE}: Logto leaves it out of the JWT → 403 insufficient_scope`, async () => {
      const set = await token('bob', strict.advertisedResource, `openid ${WHOAMI_SCOPE}`);
      assert.equal(decodeJwt(set.access_token).scope ?? '', '', 'Logto granted none of the requested permissions');
      const response = await postMcp(strict.mcpUrl, { authorization: `Bearer ${set.access_token}` });
      assert.equal(response.status, 403);
      assert.match(challenge(response), /error="insufficient_scope"/);
      assert.match(challenge(response), new RegExp(`scope="[^"]*${WHOAMI_SCOPE}`));
    });

    it(`alice's role grants ${WHOAMI_SCOPE} → 200`, async () => {
      const set = await token('alice', strict.advertisedResource, `openid ${WHOAMI_SCOPE}`);
      assert.equal(decodeJwt(set.access_token).scope, WHOAMI_SCOPE);
      assert.equal((await postMcp(strict.mcpUrl, { authorization: `Bearer ${set.access_token}` })).status, 200);
    });
  });

  describe('tokens from another Logto instance (a second start-logto.sh: own database, keys, issuer)', () => {
    let other: LogtoInstance;
    const dir = scratchDir('other-instance');
    before(async () => {
      other = await startLogto(dir);
    });
    after(async () => {
      await stopLogto(dir);
    });

    it('its JWT for the very same resource identifier → 401 invalid_token; its opaque token → 401', async () => {
      const { server } = fixture;
      const tenant = await setupTenant(other);
      await registerApiResource(other, tenant, server.advertisedResource);
      const request = { issuer: other.issuer, clientId: tenant.inspectorApp.id, redirectUri: REDIRECT, user: tenant.alice };
      const jwt = await logtoTokens({ ...request, resource: server.advertisedResource });
      sent.push(jwt.access_token);
      assert.equal(decodeJwt(jwt.access_token).aud, server.advertisedResource, 'aud matches ours');
      const refusedJwt = await postMcp(server.mcpUrl, { authorization: `Bearer ${jwt.access_token}` });
      assert.equal(refusedJwt.status, 401);
      assert.match(challenge(refusedJwt), /error="invalid_token"/);

      const opaque = await logtoTokens(request);
      sent.push(opaque.access_token);
      const refusedOpaque = await postMcp(server.mcpUrl, { authorization: `Bearer ${opaque.access_token}` });
      assert.equal(refusedOpaque.status, 401, 'our issuer\'s userinfo does not know it');
      assert.match(challenge(refusedOpaque), /error="invalid_token"/);
    });
  });

  it('none of the refused or accepted tokens appears in the server log', () => {
    const { server } = fixture;
    assert.ok(sent.length >= 5, `tokens were sent (${sent.length})`);
    assert.ok(server.logs.text.length > 0, 'the server logged (debug level)');
    for (const t of sent) assert.ok(!server.logs.text.includes(t), 'a token reached the log');
  });
});
