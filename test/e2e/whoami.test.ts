import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEV_USERS } from '../../src/dev-idp/index.js';
import { connectClient, startTestServer, tokenFor, whoami, type TransportKind } from '../support/harness.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

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
            const me = await whoami(client);
            assert.equal(me['sub'], user.sub);
            assert.equal(me['token_type'], kind);
            // identity claims: from userinfo (opaque), or the token's Custom-JWT-style claims (jwt)
            assert.equal(me['email'], user.email);
            assert.equal(me['username'], user.username);
            if (kind === 'jwt') {
              // verified JWT claims
              assert.equal(me['iss'], server.issuer);
              assert.equal(me['aud'], server.resource);
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

  it('a JWT carries only the identity claims of the granted scopes (openid alone: none)', async () => {
    const token = await tokenFor(server, 'alice', 'jwt', 'openid');
    const client = await connectClient(server, 'streamable', token);
    try {
      const me = await whoami(client);
      assert.equal(me['sub'], DEV_USERS[0]!.sub);
      assert.equal(me['email'], undefined);
      assert.equal(me['username'], undefined);
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
