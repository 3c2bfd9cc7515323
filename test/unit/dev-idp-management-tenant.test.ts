/**
 * The dev IdP's Management API for doctor and setup — API resources and applications — answers the
 * way Logto 1.37.1 does (measured against it: 422 `resource.resource_identifier_in_use`, 422
 * `scope.name_exists`, 404 `entity.not_exists_with_id`, 400 `guard.invalid_input`, POST
 * /api/applications → 200), through Logto's own client `@logto/api`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createManagementApi } from '@logto/api/management';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';

const RESOURCE = 'http://localhost:3001';
const quiet = { info() {}, warn() {}, error() {} };

describe('dev IdP Management API: API resources and applications', () => {
  let idp: DevIdp;
  let api: ReturnType<typeof createManagementApi>['apiClient'];
  before(async () => {
    idp = await startDevIdp({ port: 0, resources: { [RESOURCE]: ['whoami:read'] }, logger: quiet });
    api = createManagementApi('default', { clientId: idp.m2m.appId, clientSecret: idp.m2m.appSecret, baseUrl: idp.origin, apiIndicator: idp.m2m.resource }).apiClient;
  });
  after(() => idp.close());

  it('lists the configured resource with its permission; creating it again → 422 resource_identifier_in_use', async () => {
    const list = await api.GET('/api/resources', { params: { query: { includeScopes: 'true' } } });
    assert.equal(list.response.status, 200);
    const mine = list.data?.find((r) => r.indicator === RESOURCE);
    assert.deepEqual(mine?.scopes?.map((s) => s.name), ['whoami:read']);
    const again = await api.POST('/api/resources', { body: { name: 'dup', indicator: RESOURCE } });
    assert.equal(again.response.status, 422);
    assert.equal((again.error as unknown as { code?: string }).code, 'resource.resource_identifier_in_use');
  });

  it('creates a resource and a permission (201); a second permission of that name → 422 scope.name_exists; bad input → 400', async () => {
    const created = await api.POST('/api/resources', { body: { name: 'Other', indicator: 'https://other.example/api' } });
    assert.equal(created.response.status, 201);
    const scope = await api.POST('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: created.data!.id } }, body: { name: 'other:read' } });
    assert.equal(scope.response.status, 201);
    const dup = await api.POST('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: created.data!.id } }, body: { name: 'other:read' } });
    assert.equal((dup.error as unknown as { code?: string }).code, 'scope.name_exists');
    const bad = await api.POST('/api/resources', { body: { name: '', indicator: 'not a url' } });
    assert.equal(bad.response.status, 400);
    assert.equal((bad.error as unknown as { code?: string }).code, 'guard.invalid_input');
    const missing = await api.GET('/api/resources/{resourceId}/scopes', { params: { path: { resourceId: 'nope' } } });
    assert.equal(missing.response.status, 404);
  });

  it('applications: the pre-registered clients by Logto type; create (200), patch redirect URIs, unknown → 404, bad redirect URI or null metadata → 400', async () => {
    const spa = await api.GET('/api/applications', { params: { query: { types: 'SPA' } } });
    assert.ok(spa.data?.some((a) => a.id === 'mcp-inspector'));
    const native = await api.GET('/api/applications', { params: { query: { types: 'Native' } } });
    assert.ok(native.data?.some((a) => a.id === 'dev-cli'));
    const m2m = await api.GET('/api/applications/{id}', { params: { path: { id: idp.m2m.appId } } });
    assert.equal(m2m.data?.type, 'MachineToMachine');
    assert.ok(!JSON.stringify(m2m.data).includes(idp.m2m.appSecret), 'never the secret');

    const created = await api.POST('/api/applications', {
      body: { name: 'x', type: 'SPA', oidcClientMetadata: { redirectUris: ['http://localhost:5000/cb'] as never[], postLogoutRedirectUris: [] } },
    });
    assert.equal(created.response.status, 200);
    const patched = await api.PATCH('/api/applications/{id}', {
      params: { path: { id: created.data!.id } },
      body: { oidcClientMetadata: { redirectUris: ['http://localhost:5000/cb', 'http://localhost:5000/cb2'] as never[], postLogoutRedirectUris: [] } },
    });
    assert.deepEqual(patched.data?.oidcClientMetadata.redirectUris, ['http://localhost:5000/cb', 'http://localhost:5000/cb2']);
    // The patched registration is live: an authorization request with the new redirect URI gets to the login page.
    const auth = new URL(`${idp.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: created.data!.id, redirect_uri: 'http://localhost:5000/cb2', response_type: 'code', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(auth, { redirect: 'manual' });
    await res.body?.cancel();
    assert.equal(res.status, 303);

    const unknown = await api.GET('/api/applications/{id}', { params: { path: { id: 'nope' } } });
    assert.equal(unknown.response.status, 404);
    assert.equal((unknown.error as unknown as { code?: string }).code, 'entity.not_exists_with_id');
    const bad = await api.POST('/api/applications', {
      body: { name: 'y', type: 'SPA', oidcClientMetadata: { redirectUris: ['not a url'] as never[], postLogoutRedirectUris: [] } },
    });
    assert.equal(bad.response.status, 400);
    // oidcClientMetadata must be an object: null is refused, not a crash (it once answered 500).
    const nullMeta = await api.PATCH('/api/applications/{id}', { params: { path: { id: created.data!.id } }, body: { oidcClientMetadata: null } as never });
    assert.equal(nullMeta.response.status, 400);
    assert.equal((nullMeta.error as unknown as { code?: string }).code, 'guard.invalid_input');
  });

  it('without an M2M token → 401', async () => {
    assert.equal((await fetch(`${idp.origin}/api/resources`)).status, 401);
    assert.equal((await fetch(`${idp.origin}/api/applications`)).status, 401);
  });
});
