/**
 * whoami against the real Logto through the MCP SDK clients' own OAuth flow (401 → our metadata →
 * Logto's discovery → authorization with a pre-registered app → headless sign-in at Logto's experience
 * API → token → whoami), over 2024-11-05 HTTP+SSE, 2025 Streamable HTTP (SDK v1) and 2026-07-28 (SDK v2 client
 * pinned to it), with both of Logto's token kinds:
 * a JWT (the SDK sends our advertised `resource`) and an opaque token (no `resource`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { VERSION_2026_07_28 } from '../support/requests-2026-07-28.js';
import { whoamiClaims } from '../interop/helpers/our-server.js';
import { logtoServerHooks } from './support/hooks.js';
import { LogtoOAuthProvider } from './support/provider.js';

describe('MCP SDK clients against the real Logto', () => {
  const fixture = logtoServerHooks();

  for (const transportKind of ['streamable-http', 'sse'] as const) {
    for (const tokenKind of ['jwt', 'opaque'] as const) {
      it(`${transportKind}, ${tokenKind} token: 401 → discovery → Logto sign-in → whoami`, async () => {
        const { suite, server } = fixture;
        const { alice, inspectorApp } = suite.tenant;
        const provider = new LogtoOAuthProvider<OAuthClientInformationMixed, OAuthTokens>(inspectorApp.id, alice, tokenKind);
        // Each endpoint is its own resource: the SDK asks for the one its endpoint's metadata names.
        const resource = transportKind === 'sse' ? server.advertisedResources.sse : server.advertisedResources.mcp;
        const makeTransport = () =>
          transportKind === 'sse'
            ? new SSEClientTransport(new URL(server.sseUrl), { authProvider: provider })
            : new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });

        let transport = makeTransport();
        let client = new Client({ name: 'logto-sdk-v1', version: '1.0.0' });
        await assert.rejects(client.connect(transport), UnauthorizedError, 'first connect must need authorization');
        await transport.close();
        const authorizationUrl = provider.authorizationUrls[0];
        assert.ok(authorizationUrl, 'the SDK redirected to authorization');
        assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${suite.logto.issuer}/auth`, "Logto's authorization endpoint");
        assert.equal(authorizationUrl.searchParams.get('client_id'), inspectorApp.id);
        assert.equal(authorizationUrl.searchParams.get('resource'), tokenKind === 'jwt' ? resource : null);
        await transport.finishAuth(provider.takeCode());
        const accessToken = provider.tokens()?.access_token ?? '';
        assert.equal(accessToken.split('.').length === 3, tokenKind === 'jwt', `Logto issued a ${tokenKind} access token`);

        transport = makeTransport();
        client = new Client({ name: 'logto-sdk-v1', version: '1.0.0' });
        await client.connect(transport);
        try {
          const claims = whoamiClaims(await client.callTool({ name: 'whoami', arguments: {} }));
          assert.equal(claims['sub'], alice.id, `whoami names alice: ${JSON.stringify(claims)}`);
          assert.equal(claims['token_type'], tokenKind);
          if (tokenKind === 'jwt') {
            assert.equal(claims['aud'], resource, "aud is the endpoint's API resource");
            assert.equal(claims['iss'], suite.logto.issuer);
            assert.equal(claims['client_id'], inspectorApp.id);
          } else {
            assert.equal(claims['username'], alice.username, 'userinfo answers the username');
          }
        } finally {
          await client.close();
        }
      });
    }
  }

  for (const tokenKind of ['jwt', 'opaque'] as const) {
    it(`2026-07-28 (SDK v2 client pinned), ${tokenKind} token: 401 → discovery → Logto sign-in → whoami`, async () => {
      const { suite, server } = fixture;
      const { alice, inspectorApp } = suite.tenant;
      const provider = new LogtoOAuthProvider<StoredOAuthClientInformation, StoredOAuthTokens>(inspectorApp.id, alice, tokenKind);
      const makeTransport = () => new StreamableHTTPClientTransportV2(new URL(server.mcpUrl), { authProvider: provider });
      const makeClient = () => new ClientV2({ name: 'logto-sdk-v2', version: '2.0.0' }, { versionNegotiation: { mode: { pin: VERSION_2026_07_28 } } });

      let transport = makeTransport();
      let client = makeClient();
      await assert.rejects(client.connect(transport), UnauthorizedErrorV2, 'first connect must need authorization');
      await transport.close();
      assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), tokenKind === 'jwt' ? server.advertisedResource : null);
      await transport.finishAuth(provider.takeCallbackParams());

      transport = makeTransport();
      client = makeClient();
      await client.connect(transport);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), VERSION_2026_07_28);
        const claims = whoamiClaims(await client.callTool({ name: 'whoami', arguments: {} }));
        assert.equal(claims['sub'], alice.id, `whoami names alice: ${JSON.stringify(claims)}`);
        assert.equal(claims['token_type'], tokenKind);
      } finally {
        await client.close();
      }
    });
  }
});
