/**
 * MCP TypeScript SDK v2 client (`@modelcontextprotocol/client`, a 2026-07-28-era client) in `auto`
 * version negotiation, with an OAuth provider that signs in at the dev IdP headlessly. Our server
 * is built on SDK v1, so `auto` must fall back to the legacy `initialize` handshake and still reach
 * `whoami`; the negotiated protocol version is recorded in artifacts/sdk-v2-negotiation.json.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { HeadlessOAuthProvider } from './helpers/headless-oauth-provider.js';
import { assertIdentity } from './helpers/identity.js';
import { ALICE, startOurServer, whoamiClaims, type RunningServer } from './helpers/our-server.js';
import { describeExchanges, recordingFetch, type Exchange } from './helpers/recording-fetch.js';
import { ARTIFACTS } from './helpers/tools.js';

const TRANSPORTS = ['streamable-http', 'sse'] as const;

describe('SDK v2 client, versionNegotiation auto, OAuth provider', () => {
  let server: RunningServer;
  const negotiated: Record<string, { protocolVersion: string | undefined; era: string | undefined; trail: string[] }> = {};
  before(async () => {
    server = await startOurServer();
  });
  after(async () => {
    await server?.close();
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'sdk-v2-negotiation.json'), `${JSON.stringify(negotiated, null, 2)}\n`);
  });

  for (const transportKind of TRANSPORTS) {
    it(`${transportKind}: auto negotiation falls back to a version our server supports, whoami works`, async () => {
      const log: Exchange[] = [];
      const provider = new HeadlessOAuthProvider<StoredOAuthClientInformation, StoredOAuthTokens>({ credentials: ALICE });
      const options = { authProvider: provider, fetch: recordingFetch(log) };
      const makeTransport = () =>
        transportKind === 'sse'
          ? new SSEClientTransport(new URL(server.sseUrl), options)
          : new StreamableHTTPClientTransport(new URL(server.mcpUrl), options);
      const makeClient = () =>
        new Client({ name: 'interop-sdk-v2', version: '2.0.0' }, { versionNegotiation: { mode: 'auto', probe: { timeoutMs: 10_000 } } });

      let transport = makeTransport();
      let client = makeClient();
      await assert.rejects(client.connect(transport), UnauthorizedError, 'first connect must need authorization');
      await transport.close();
      await transport.finishAuth(provider.takeCallbackParams());

      transport = makeTransport();
      client = makeClient();
      await client.connect(transport);
      try {
        const version = client.getNegotiatedProtocolVersion();
        const era = client.getProtocolEra();
        negotiated[transportKind] = { protocolVersion: version, era, trail: describeExchanges(log).split('\n') };
        assert.ok(version && SUPPORTED_PROTOCOL_VERSIONS.includes(version), `negotiated ${version}, server supports ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`);
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === 'whoami'), 'tools/list names whoami');
        assertIdentity(whoamiClaims(await client.callTool({ name: 'whoami', arguments: {} })), ALICE);
      } finally {
        await client.close();
      }
      const trail = describeExchanges(log);
      assert.ok(log.some((e) => e.status === 401), `got a 401 first:\n${trail}`);
      assert.ok(log.some((e) => new URL(e.url).pathname === '/oidc/token' && e.status === 200), `token request:\n${trail}`);
      assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), server.resource, 'RFC 8707 resource');
    });
  }
});
