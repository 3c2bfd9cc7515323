/**
 * The project's own Management API client (src/logto/management-client.ts: @logto/api's client
 * credentials + a bounded openapi-fetch client) against the real Logto: the M2M token at Logto's token
 * endpoint with the Management API resource, a user read back, and the failures mapped to codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagementApiError } from '../../src/logto/errors.js';
import { createManagementClient, ensureOk } from '../../src/logto/management-client.js';
import { Secret } from '../../src/secret.js';
import { logtoHooks } from './support/hooks.js';

describe("the project's Management API client against the real Logto", () => {
  const fixture = logtoHooks();

  const client = (secret = fixture.suite.logto.m2mAppSecret, onScopeMismatch?: (scope: string | undefined) => void) =>
    createManagementClient({
      endpoint: fixture.suite.logto.endpoint,
      appId: fixture.suite.logto.m2mAppId,
      appSecret: new Secret(secret),
      resource: fixture.suite.logto.managementApiResource,
      timeoutMs: 15_000,
      ...(onScopeMismatch ? { onScopeMismatch } : {}),
    });

  it("reads alice's profile with the M2M app's token (scope all)", async () => {
    const mismatches: Array<string | undefined> = [];
    const { api } = client(undefined, (scope) => mismatches.push(scope));
    const user = ensureOk(await api.GET('/api/users/{userId}', { params: { path: { userId: fixture.suite.tenant.alice.id } } }), 'GET /api/users/{userId}');
    assert.equal(user.username, 'alice');
    assert.equal(user.name, 'Alice Liddell');
    assert.deepEqual(mismatches, [], 'the token has scope all');
  });

  it('an unknown user → not_found', async () => {
    const { api } = client();
    await assert.rejects(
      (async () => ensureOk(await api.GET('/api/users/{userId}', { params: { path: { userId: 'no-such-user' } } }), 'GET /api/users/{userId}'))(),
      (error: unknown) => error instanceof ManagementApiError && error.code === 'not_found',
    );
  });

  it('a wrong M2M secret → token_failed, and the secret is not in the message', async () => {
    const wrong = 'definitely-not-the-secret-0123456789';
    const { api } = client(wrong);
    await assert.rejects(
      api.GET('/api/users/{userId}', { params: { path: { userId: fixture.suite.tenant.alice.id } } }),
      (error: unknown) => error instanceof ManagementApiError && error.code === 'token_failed' && !error.message.includes(wrong),
    );
  });
});
