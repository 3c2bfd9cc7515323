/**
 * whoami's Logto profile against the real Logto 1.37.1: our server reads the caller's profile, global
 * roles and organizations through Logto's Management API with the suite's M2M app (@logto/api), puts
 * them under `logto` (never among the token's claims), shows only WHOAMI_PROFILE_FIELDS, keeps an
 * opaque token's userinfo as it is, and still answers when the M2M app is misconfigured.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { whoamiAs } from '../support/harness.js';
import { logtoHooks } from './support/hooks.js';
import { startServerForLogto, suiteTokens, type LogtoServer } from './support/suite.js';
import { managementApi, must, WHOAMI_SCOPE, type LogtoUser } from './support/tenant.js';

// Unique per run: a Logto kept between runs (LOGTO_SUITE_STATE) still has the previous run's user.
const RUN = randomBytes(3).toString('hex');
const CAROL = { username: `carol_${RUN}`, password: 'Carol-Logto-Pass-2026!', name: 'Carol Enrich', email: `carol-${RUN}@example.com`, phone: `1555555${parseInt(RUN, 16) % 10_000}`.padEnd(11, '0') };

describe('whoami enrichment against the real Logto (Management API through a machine-to-machine app)', () => {
  const fixture = logtoHooks();
  let carol: LogtoUser;
  let orgId: string;
  const servers: LogtoServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServerForLogto(fixture.suite, { LOGTO_M2M_APP_ID: fixture.suite.logto.m2mAppId, LOGTO_M2M_APP_SECRET: fixture.suite.logto.m2mAppSecret, ...env });
    servers.push(server);
    return server;
  };
  const tokenFor = (server: LogtoServer, kind: 'jwt' | 'opaque') =>
    suiteTokens(fixture.suite, carol, {
      scope: kind === 'jwt' ? `openid profile email ${WHOAMI_SCOPE}` : 'openid profile',
      ...(kind === 'jwt' ? { resource: server.advertisedResource } : {}),
    }).then((t) => t.access_token);

  before(async () => {
    const { suite } = fixture;
    // A user of our own with every field set (the shared fixture's users stay as the other files expect).
    const api = managementApi(suite.logto);
    const user = must(
      'POST /api/users',
      await api.POST('/api/users', {
        body: { username: CAROL.username, password: CAROL.password, name: CAROL.name, primaryEmail: CAROL.email, primaryPhone: CAROL.phone, customData: { plan: 'pro' } },
      }),
    );
    carol = { id: user.id, username: CAROL.username, password: CAROL.password };
    const roleIds = [suite.tenant.readerRoleId, suite.tenant.bystanderRoleId];
    must('POST /api/users/{id}/roles', await api.POST('/api/users/{userId}/roles', { params: { path: { userId: carol.id } }, body: { roleIds }, parseAs: 'text' }));
    orgId = suite.tenant.organization.id;
    const orgRole = must('GET /api/organization-roles', await api.GET('/api/organization-roles', {})).find((r) => r.name === suite.tenant.organization.roleName)!;
    must('POST /api/organizations/{id}/users', await api.POST('/api/organizations/{id}/users', { params: { path: { id: orgId } }, body: { userIds: [carol.id] }, parseAs: 'text' }));
    must(
      'POST /api/organizations/{id}/users/roles',
      await api.POST('/api/organizations/{id}/users/roles', { params: { path: { id: orgId } }, body: { userIds: [carol.id], organizationRoleIds: [orgRole.id] }, parseAs: 'text' }),
    );
  });
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('default fields: username, name, avatar, global roles, organizations with roles — under `logto`, and no email anywhere', async () => {
    const server = await start();
    const me = await whoamiAs(server, await tokenFor(server, 'jwt'));
    assert.equal(me['sub'], carol.id);
    assert.equal(me['token_type'], 'jwt');
    assert.equal(me['username'], undefined, "a default Logto tenant's JWT carries no profile claims");
    const logto = me['logto'] as Record<string, unknown>;
    assert.equal(logto['available'], true, JSON.stringify(me));
    assert.equal(logto['username'], CAROL.username);
    assert.equal(logto['name'], CAROL.name);
    assert.equal(logto['avatar'], null);
    assert.deepEqual([...(logto['roles'] as string[])].sort(), ['bystander', 'whoami reader']);
    assert.deepEqual(logto['organizations'], [{ id: orgId, name: fixture.suite.tenant.organization.name, roles: [fixture.suite.tenant.organization.roleName] }]);
    assert.deepEqual(Object.keys(logto).sort(), ['available', 'avatar', 'name', 'organizations', 'roles', 'username']);
    const text = JSON.stringify(me);
    for (const hidden of [CAROL.email, CAROL.phone, '"plan"']) assert.ok(!text.includes(hidden), `${hidden} is not listed, so it is nowhere: ${text}`);
    assert.ok(!server.logs.text.includes(fixture.suite.logto.m2mAppSecret), 'the M2M secret is in no log line');
  });

  it('WHOAMI_PROFILE_FIELDS=email,phone,custom_data: exactly those, as Logto stores them', async () => {
    const server = await start({ WHOAMI_PROFILE_FIELDS: 'email,phone,custom_data' });
    const me = await whoamiAs(server, await tokenFor(server, 'jwt'));
    assert.deepEqual(me['logto'], { available: true, email: CAROL.email, phone: CAROL.phone, custom_data: { plan: 'pro' } });
  });

  it('opaque token: the userinfo answer stays as it is; only listed fields it lacks come from the Management API', async () => {
    const server = await start();
    const me = await whoamiAs(server, await tokenFor(server, 'opaque'));
    assert.equal(me['token_type'], 'opaque');
    assert.equal(me['username'], CAROL.username, 'from userinfo (profile scope)');
    const logto = me['logto'] as Record<string, unknown>;
    assert.equal(logto['available'], true);
    assert.equal(logto['username'], undefined, 'userinfo already answered it');
    assert.deepEqual([...(logto['roles'] as string[])].sort(), ['bystander', 'whoami reader']);
    assert.equal((logto['organizations'] as unknown[]).length, 1);
  });

  it('a wrong M2M secret: whoami still answers with the token, the profile is unavailable, the secret is never shown', async () => {
    const wrong = `CANARYwrong${Date.now()}`;
    const server = await start({ LOGTO_M2M_APP_SECRET: wrong, LOG_LEVEL: 'trace' });
    const me = await whoamiAs(server, await tokenFor(server, 'jwt'));
    assert.equal(me['sub'], carol.id);
    assert.deepEqual(me['logto'], { available: false, error: 'token_failed' });
    assert.ok(!JSON.stringify(me).includes(wrong));
    assert.ok(server.logs.text.includes('Logto profile unavailable'));
    assert.ok(!server.logs.text.includes(wrong), 'the secret is in no log line');
  });
});
