/**
 * whoami's Logto profile (src/logto/profile.ts, WHOAMI_PROFILE_FIELDS) from the real Management API:
 * with the M2M app, a JWT's whoami carries alice's username, name, global roles and organizations (with
 * her organization role) under `logto`; with a wrong M2M secret whoami still answers with the token's
 * `sub`, and `logto` says why it is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, whoami } from '../support/harness.js';
import { startServerForLogto, useLogto, type LogtoServer, type Suite } from './support/suite.js';
import { INSPECTOR_APP_REDIRECT_URIS } from './support/tenant.js';
import { logtoTokens } from './support/tokens.js';

const FIELDS = 'username,name,roles,organizations';

describe('whoami enrichment from the real Management API', () => {
  let suite: Suite;
  let server: LogtoServer;
  let wrongSecret: LogtoServer;
  before(async () => {
    suite = await useLogto();
    const m2m = { LOGTO_MANAGEMENT_API_RESOURCE: suite.logto.managementApiResource, WHOAMI_PROFILE_FIELDS: FIELDS, LOGTO_M2M_APP_ID: suite.logto.m2mAppId };
    server = await startServerForLogto(suite, { ...m2m, LOGTO_M2M_APP_SECRET: suite.logto.m2mAppSecret });
    wrongSecret = await startServerForLogto(suite, { ...m2m, LOGTO_M2M_APP_SECRET: 'not-the-secret-0123456789abcdef' });
  });
  after(async () => {
    await server?.close();
    await wrongSecret?.close();
    await suite?.release();
  });

  const claimsFor = async (target: LogtoServer) => {
    const set = await logtoTokens({
      issuer: suite.logto.issuer,
      clientId: suite.tenant.inspectorApp.id,
      redirectUri: INSPECTOR_APP_REDIRECT_URIS[1]!,
      user: suite.tenant.alice,
      resource: target.advertisedResource,
    });
    const client = await connectClient(target, 'streamable', set.access_token);
    try {
      return await whoami(client);
    } finally {
      await client.close();
    }
  };

  it("a JWT's whoami carries alice's profile, roles and organizations from the Management API", async () => {
    const claims = await claimsFor(server);
    assert.equal(claims['sub'], suite.tenant.alice.id);
    assert.equal(claims['token_type'], 'jwt');
    const logto = claims['logto'] as Record<string, unknown>;
    assert.equal(logto['available'], true, JSON.stringify(logto));
    assert.equal(logto['username'], 'alice');
    assert.equal(logto['name'], 'Alice Liddell');
    assert.deepEqual([...(logto['roles'] as string[])].sort(), ['bystander', 'whoami reader']);
    assert.deepEqual(logto['organizations'], [{ id: suite.tenant.organization.id, name: 'Acme', roles: ['member'] }]);
  });

  it('a wrong M2M secret: whoami still answers with the sub, logto.available is false', async () => {
    const claims = await claimsFor(wrongSecret);
    assert.equal(claims['sub'], suite.tenant.alice.id);
    assert.deepEqual(claims['logto'], { available: false, error: 'token_failed' });
    assert.ok(!wrongSecret.logs.text.includes('not-the-secret-0123456789abcdef'), 'the secret is in no log line');
  });
});
