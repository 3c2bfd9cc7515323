import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createManagementApi } from '@logto/api/management';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEV_M2M_CLIENT_ID, DEV_USERS, MANAGEMENT_API_INDICATOR, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { DevTokenError, getDevToken } from '../../src/dev-idp/token-helper.js';

const RESOURCE = 'http://localhost:3001';
const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const quiet = { info() {}, warn() {}, error() {} };

async function clientCredentials(idp: DevIdp, form: Record<string, string>) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('dev IdP: machine-to-machine app and Logto-shaped Management API', () => {
  let idp: DevIdp;
  let m2mToken: string;
  /** `token: null` sends no Authorization header. */
  const api = (path: string, token: string | null = m2mToken) =>
    fetch(`${idp.origin}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  before(async () => {
    idp = await startDevIdp({ port: 0, resources: { [RESOURCE]: ['whoami:read'] }, logger: quiet });
    const { status, body } = await clientCredentials(idp, {
      client_id: idp.m2m.appId,
      client_secret: idp.m2m.appSecret,
      resource: MANAGEMENT_API_INDICATOR,
      scope: 'all',
    });
    assert.equal(status, 200, JSON.stringify(body));
    m2mToken = String(body['access_token']);
  });
  after(() => idp.close());

  it('client credentials (as @logto/api sends them) give an ES384 at+jwt for the Management API with scope `all`', () => {
    assert.equal(idp.m2m.appId, DEV_M2M_CLIENT_ID);
    assert.equal(idp.m2m.resource, 'https://default.logto.app/api');
    assert.equal(decodeProtectedHeader(m2mToken).typ, 'at+jwt');
    const claims = decodeJwt(m2mToken);
    assert.equal(claims.aud, MANAGEMENT_API_INDICATOR);
    assert.equal(claims['scope'], 'all');
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.sub, DEV_M2M_CLIENT_ID);
    assert.ok(claims.exp! - claims.iat! >= 3600 - 1, 'an hour, like Logto');
  });

  it('refuses a wrong secret (invalid_client) and an unknown resource (invalid_target)', async () => {
    assert.equal((await clientCredentials(idp, { client_id: idp.m2m.appId, client_secret: 'wrong', resource: MANAGEMENT_API_INDICATOR, scope: 'all' })).body['error'], 'invalid_client');
    assert.equal((await clientCredentials(idp, { client_id: idp.m2m.appId, client_secret: idp.m2m.appSecret, resource: RESOURCE, scope: 'all' })).body['error'], 'invalid_target');
  });

  it('a signed-in user can never get a Management API token (invalid_target)', async () => {
    await assert.rejects(
      getDevToken({ issuer: idp.issuer, username: 'alice', password: alice.password, resource: MANAGEMENT_API_INDICATOR }),
      (e: unknown) => e instanceof DevTokenError,
    );
  });

  it('the Management API answers Logto-shaped refusals: no token 401, a user JWT for another resource 401', async () => {
    const none = await api(`/api/users/${alice.sub}`, null);
    assert.equal(none.status, 401);
    assert.deepEqual(Object.keys((await none.json()) as object).sort(), ['code', 'message']);
    const userJwt = (await getDevToken({ issuer: idp.issuer, username: 'alice', password: alice.password, resource: RESOURCE })).access_token;
    const wrong = await api(`/api/users/${alice.sub}`, userJwt);
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'auth.unauthorized');
  });

  it("@logto/api's own client (createManagementApi) reads a user, its roles and organizations (the shapes of Logto's OpenAPI document)", async () => {
    const { apiClient } = createManagementApi('default', {
      clientId: idp.m2m.appId,
      clientSecret: idp.m2m.appSecret,
      baseUrl: idp.origin,
      apiIndicator: idp.m2m.resource,
    });
    const user = await apiClient.GET('/api/users/{userId}', { params: { path: { userId: alice.sub } } });
    assert.equal(user.response.status, 200);
    assert.equal(user.data?.id, alice.sub);
    assert.equal(user.data?.username, 'alice');
    assert.equal(user.data?.primaryEmail, alice.email);
    assert.equal(user.data?.avatar, alice.picture);
    assert.equal('passwordDigest' in (user.data ?? {}), false);

    const roles = await apiClient.GET('/api/users/{userId}/roles', { params: { path: { userId: alice.sub } } });
    assert.deepEqual(roles.data?.map((r) => r.name), ['admin', 'viewer']);
    assert.equal(roles.response.headers.get('total-number'), '2');
    assert.deepEqual(Object.keys(roles.data![0]!).sort(), ['description', 'id', 'isDefault', 'name', 'tenantId', 'type']);

    const orgs = await apiClient.GET('/api/users/{userId}/organizations', { params: { path: { userId: alice.sub } } });
    const acme = orgs.data?.find((o) => o.name === 'Acme Corp');
    assert.deepEqual(acme?.organizationRoles.map((r) => r.name), ['admin', 'member']);

    const orgRoles = await apiClient.GET('/api/organizations/{id}/users/{userId}/roles', { params: { path: { id: acme!.id, userId: alice.sub } } });
    assert.deepEqual(orgRoles.data?.map((r) => r.name), ['admin', 'member']);

    const missing = await apiClient.GET('/api/users/{userId}', { params: { path: { userId: 'nosuchuser00' } } });
    assert.equal(missing.response.status, 404);
  });

  it('pagination: page_size over 100 is refused; page 2 of size 1 holds the second role', async () => {
    assert.equal((await api(`/api/users/${alice.sub}/roles?page_size=101`)).status, 400);
    const page2 = (await (await api(`/api/users/${alice.sub}/roles?page=2&page_size=1`)).json()) as Array<{ name: string }>;
    assert.deepEqual(page2.map((r) => r.name), ['viewer']);
  });
});
