import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { createDevTenant } from '../../src/dev-idp/tenant.js';
import { connectClient, startTestServer, tokenFor, whoami, type TransportKind } from '../support/harness.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
/** The demo tenant's data (fixed ids): what the dev IdP's Management API serves. */
const tenant = createDevTenant();


/**
 * What MCP Inspector 2.12's schema-portability check marks with a warning sign, anywhere in a JSON
 * Schema: an empty `additionalProperties: {}` (an untyped schema) and a `type` that is an array
 * (`["string", "null"]`, rejected by single-type dialects).
 */
function portabilityWarnings(schema: unknown, path = '$'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && typeof value === 'object' && value !== null && Object.keys(value).length === 0) found.push(`${path}: additionalProperties {}`);
    if (key === 'type' && Array.isArray(value)) found.push(`${path}: type ${JSON.stringify(value)}`);
    found.push(...portabilityWarnings(value, `${path}.${key}`));
  }
  return found;
}

describe('whoami end to end: real auth-code + PKCE tokens from the dev IdP, SDK v1 clients', () => {
  let server: Server;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  for (const username of ['alice', 'bob']) {
    const user = DEV_USERS.find((u) => u.username === username)!;
    for (const kind of ['opaque', 'jwt'] as const) {
      for (const transport of ['streamable', 'sse'] as TransportKind[]) {
        it(`${username}, ${kind} token, ${transport}`, async () => {
          const token = await tokenFor(server, username, kind);
          const client = await connectClient(server, transport, token);
          try {
            const tools = await client.listTools();
            const tool = tools.tools.find((t) => t.name === 'whoami');
            assert.ok(tool, 'whoami is listed');
            assert.ok(tool.outputSchema, 'whoami declares an output schema');
            assert.deepEqual(portabilityWarnings(tool.outputSchema), [], 'nothing MCP Inspector flags: no `additionalProperties: {}`, no array `type`');
            assert.equal(tool.outputSchema['additionalProperties'], true, 'other claims are allowed, said plainly');
            const me = await whoami(client);
            assert.equal(me['sub'], user.sub);
            assert.equal(me['token_type'], kind);
            const logto = me['logto'] as Record<string, unknown> | undefined;
            assert.equal(logto?.['available'], true, JSON.stringify(me));
            const roleNames = [...(tenant.userRoles.get(user.sub) ?? [])].map((id) => tenant.roles.get(id)!.name);
            assert.deepEqual(logto?.['roles'], roleNames, 'global roles from the Management API');
            assert.ok(Array.isArray(logto?.['organizations']) && (logto['organizations'] as unknown[]).length > 0, 'organizations from the Management API');
            if (kind === 'opaque') {
              // userinfo (the consented scopes) stays as it is; the Management API adds only what it lacks
              assert.equal(me['email'], user.email);
              assert.equal(me['username'], user.username);
              assert.equal(logto?.['username'], undefined, 'userinfo already answered username');
            } else {
              // a default Logto tenant's JWT carries no profile claims: the profile comes through `logto`,
              // and email only when WHOAMI_PROFILE_FIELDS lists it (the default does not)
              assert.equal(me['username'], undefined);
              assert.equal(logto?.['username'], user.username);
              assert.equal(logto?.['name'], user.name);
              assert.equal(logto?.['avatar'], user.picture);
              assert.ok(!JSON.stringify(me).includes(user.email), 'no email anywhere in the answer');
              // verified JWT claims
              assert.equal(me['iss'], server.issuer);
              assert.equal(me['aud'], server.resources.mcp);
              assert.equal(typeof me['exp'], 'number');
              assert.equal(me['client_id'], 'dev-cli');
            }
          } finally {
            await client.close();
          }
        });
      }
    }
  }

  it('a JWT carries no identity claims beyond sub, whatever scopes were granted (like a default Logto tenant)', async () => {
    const token = await tokenFor(server, 'alice', 'jwt', 'openid profile email');
    const client = await connectClient(server, 'streamable', token);
    try {
      const me = await whoami(client);
      assert.equal(me['sub'], DEV_USERS[0]!.sub);
      assert.equal(me['email'], undefined);
      assert.equal(me['username'], undefined);
      assert.equal(me['name'], undefined);
    } finally {
      await client.close();
    }
  });

  it('never writes a token to the logs', async () => {
    const token = await tokenFor(server, 'alice', 'jwt');
    const client = await connectClient(server, 'streamable', token);
    await whoami(client);
    await client.close();
    assert.ok(server.logs.text.length > 0, 'something was logged');
    assert.ok(!server.logs.text.includes(token), 'the token is not in the logs');
    assert.ok(!server.logs.text.includes(token.slice(-20)), 'no part of the token signature is in the logs');
  });
});
