/**
 * `--doctor` against the real Logto checks what Logto needs to put a REQUIRED_SCOPES permission into a
 * user's token: some user role must grant it (Logto silently leaves out a permission none of the user's
 * roles has). After `--setup` the permissions exist but no role grants them: doctor fails `tenant.roles`
 * and names the permission; once the suite's reader role is given them, doctor passes and names the role.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorJson, runTenant } from '../support/tenant-command.js';
import { logtoHooks } from './support/hooks.js';
import { managementApi, must } from './support/tenant.js';

describe('doctor: a role must grant each REQUIRED_SCOPES permission (real Logto)', () => {
  const fixture = logtoHooks();

  it('permissions created by setup but granted by no role: fail naming them; granted to a role: ok naming the role', async () => {
    const { suite } = fixture;
    const base = `http://localhost:${47_700 + (process.pid % 200)}`; // nothing listens: doctor and setup only talk to Logto
    const env = {
      LOGTO_ENDPOINT: suite.logto.endpoint,
      PUBLIC_URL: base,
      REQUIRED_SCOPES: 'whoami:read',
      LOGTO_M2M_APP_ID: suite.logto.m2mAppId,
      LOGTO_M2M_APP_SECRET: suite.logto.m2mAppSecret,
      LOGTO_MANAGEMENT_API_RESOURCE: suite.logto.managementApiResource,
    };
    const setup = await runTenant(['--setup', '--json'], env);
    assert.equal(setup.code, 0, setup.err);

    const before = await doctorJson(env);
    const ungranted = before.result.checks.filter((c) => c.id === 'tenant.roles');
    assert.equal(ungranted.length, 2, 'one per API resource (/mcp, /sse)');
    for (const check of ungranted) {
      assert.equal(check.status, 'fail', JSON.stringify(check));
      assert.match(check.summary, /no user role grants whoami:read/);
      assert.match(check.fix ?? '', /Roles → .*Assign permissions: whoami:read/);
    }
    assert.equal(before.code, 1);

    const api = managementApi(suite.logto);
    const resources = must('GET /api/resources', await api.GET('/api/resources', {})).filter((r) => r.indicator === `${base}/mcp` || r.indicator === `${base}/sse`);
    assert.equal(resources.length, 2);
    const scopeIds: string[] = [];
    for (const resource of resources) {
      const scopes = must('GET /api/resources/{id}/scopes', await api.GET('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: resource.id } } }));
      scopeIds.push(...scopes.filter((s) => s.name === 'whoami:read').map((s) => s.id));
    }
    must('POST /api/roles/{id}/scopes', await api.POST('/api/roles/{id}/scopes', { params: { path: { id: suite.tenant.readerRoleId } }, body: { scopeIds }, parseAs: 'text' }));

    const after = await doctorJson(env);
    for (const check of after.result.checks.filter((c) => c.id === 'tenant.roles')) {
      assert.equal(check.status, 'ok', JSON.stringify(check));
      assert.match(check.summary, /whoami:read by "whoami reader"/);
    }
    assert.equal(after.code, 0, JSON.stringify(after.result.checks, null, 2));
  });
});
