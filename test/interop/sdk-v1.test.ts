/**
 * MCP TypeScript SDK v1 clients (the SDK the server itself is built on) through the SDK's own OAuth
 * flow: no pre-fetched header. The first connect gets 401, the SDK discovers our protected-resource
 * metadata and the dev IdP, registers (or uses the pre-registered client), redirects to
 * authorization — signed in headlessly — and the test hands the code to `finishAuth`, as an app's
 * redirect handler would; the retry then reaches `whoami`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { HeadlessOAuthProvider } from './helpers/headless-oauth-provider.js';
import { assertIdentity } from './helpers/identity.js';
import { ALICE, startOurServer, whoamiClaims, type RunningServer } from './helpers/our-server.js';
import { describeExchanges, recordingFetch, type Exchange } from './helpers/recording-fetch.js';

const TRANSPORTS = ['streamable-http', 'sse'] as const;
const REGISTRATIONS = ['dynamic registration', 'pre-registered client'] as const;

describe('SDK v1 clients, OAuth through the SDK auth() flow', () => {
  let server: RunningServer;
  before(async () => {
    server = await startOurServer();
  });
  after(async () => {
    await server?.close();
  });

  for (const transportKind of TRANSPORTS) {
    for (const registration of REGISTRATIONS) {
      it(`${transportKind}, ${registration}: 401 → discovery → authorization → token → whoami`, async () => {
        const log: Exchange[] = [];
        const provider = new HeadlessOAuthProvider<OAuthClientInformationMixed, OAuthTokens>({
          credentials: ALICE,
          ...(registration === 'pre-registered client' ? { preRegistered: { client_id: 'mcp-inspector' } } : {}),
        });
        const options = { authProvider: provider, fetch: recordingFetch(log) };
        const makeTransport = () =>
          transportKind === 'sse'
            ? new SSEClientTransport(new URL(server.sseUrl), options)
            : new StreamableHTTPClientTransport(new URL(server.mcpUrl), options);

        let transport = makeTransport();
        let client = new Client({ name: 'interop-sdk-v1', version: '1.0.0' });
        await assert.rejects(client.connect(transport), UnauthorizedError, 'first connect must need authorization');
        await transport.close();
        await transport.finishAuth(provider.takeCode());

        transport = makeTransport();
        client = new Client({ name: 'interop-sdk-v1', version: '1.0.0' });
        await client.connect(transport);
        try {
          const tools = await client.listTools();
          assert.ok(tools.tools.some((t) => t.name === 'whoami'), 'tools/list names whoami');
          assertIdentity(whoamiClaims(await client.callTool({ name: 'whoami', arguments: {} })), ALICE);
        } finally {
          await client.close();
        }

        const trail = describeExchanges(log);
        const paths = log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
        const endpoint = new URL(transportKind === 'sse' ? server.sseUrl : server.mcpUrl).pathname;
        assert.match(paths[0] ?? '', new RegExp(`^(GET|POST) ${endpoint} 401$`), `starts with a 401:\n${trail}`);
        assert.ok(paths.some((p) => p.startsWith('GET /.well-known/oauth-protected-resource') && p.endsWith(' 200')), `PRM fetched:\n${trail}`);
        assert.ok(log.some((e) => e.url.startsWith(server.issuer) || new URL(e.url).pathname.includes('/.well-known/')), `AS metadata fetched:\n${trail}`);
        const registered = paths.some((p) => /^POST \/oidc\/reg 201$/.test(p));
        assert.equal(registered, registration === 'dynamic registration', `dynamic registration iff no client ID:\n${trail}`);
        assert.ok(paths.some((p) => /^POST \/oidc\/token 200$/.test(p)), `token request:\n${trail}`);
        const authorizationUrl = provider.authorizationUrls[0];
        assert.ok(authorizationUrl, 'redirected to authorization');
        const resource = transportKind === 'sse' ? server.resources.sse : server.resources.mcp;
        assert.equal(authorizationUrl.searchParams.get('resource'), resource, "RFC 8707 resource = the endpoint's resource");
        assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
      });
    }
  }
});
