/**
 * Logto organizations through our server: whoami with an opaque token shows the organizations and
 * organization roles Logto's userinfo reports (alice is a `member` of Acme), and an organization token
 * (a JWT whose audience is `urn:logto:organization:<id>`, not our API resource) is refused.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { describe, it } from 'node:test';
import { connectClient, postMcp, whoami } from '../support/harness.js';
import { logtoServerHooks } from './support/hooks.js';
import { suiteTokens } from './support/suite.js';
import { tokenRequest } from './support/tokens.js';

const ORG_SCOPES = 'openid offline_access urn:logto:scope:organizations urn:logto:scope:organization_roles';

describe('Logto organizations through our server', () => {
  const fixture = logtoServerHooks();

  const aliceTokens = () => suiteTokens(fixture.suite, fixture.suite.tenant.alice, { scope: ORG_SCOPES });

  it("whoami (opaque token) lists alice's organization and organization role from Logto's userinfo", async () => {
    const { suite, server } = fixture;
    const { organization } = suite.tenant;
    const set = await aliceTokens();
    const client = await connectClient(server, 'streamable', set.access_token);
    try {
      const claims = await whoami(client);
      assert.equal(claims['token_type'], 'opaque');
      assert.deepEqual(claims['organizations'], [organization.id]);
      assert.deepEqual(claims['organization_roles'], [`${organization.id}:${organization.roleName}`]);
    } finally {
      await client.close();
    }
  });

  it('an organization token (aud urn:logto:organization:<id>) → 401 invalid_token', async () => {
    const { suite, server } = fixture;
    const set = await aliceTokens();
    assert.ok(set.refresh_token, 'offline_access granted');
    const orgToken = await tokenRequest(suite.logto.issuer, {
      grant_type: 'refresh_token',
      refresh_token: set.refresh_token,
      client_id: suite.tenant.inspectorApp.id,
      organization_id: suite.tenant.organization.id,
    });
    assert.equal(decodeJwt(orgToken.access_token).aud, `urn:logto:organization:${suite.tenant.organization.id}`);
    const response = await postMcp(server.mcpUrl, { authorization: `Bearer ${orgToken.access_token}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
