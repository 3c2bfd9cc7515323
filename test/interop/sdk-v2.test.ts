/**
 * MCP TypeScript SDK v2 client (`@modelcontextprotocol/client`, a 2026-07-28-era client) through
 * its own `auth()` flow, with an OAuth provider that signs in at the dev IdP headlessly (dynamic
 * registration, or the pre-registered client ID). Rows: `auto` negotiation over Streamable HTTP
 * (our /mcp offers 2026-07-28 via server/discover: auto must pick it), `auto` over 2024-11-05 HTTP+SSE (no
 * server/discover there: falls back to `initialize`), and pinned to 2026-07-28. The negotiated
 * versions are recorded in artifacts/sdk-v2-negotiation.json.
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

const VERSION_2026_07_28 = '2026-07-28';
/** The SDK's `getProtocolEra()` names for our eras (`legacy`: the `initialize` handshake, also over HTTP+SSE). */
const SDK_ERA = { '2026-07-28': 'modern', '2025': 'legacy', '2024-11-05': 'legacy' } as const;
type Mode = 'auto' | { pin: string };
const ROWS: Array<{ transport: 'streamable-http' | 'sse'; mode: Mode; registration: 'dynamic' | 'pre-registered'; era: keyof typeof SDK_ERA }> = [
  { transport: 'streamable-http', mode: 'auto', registration: 'dynamic', era: '2026-07-28' },
  { transport: 'sse', mode: 'auto', registration: 'dynamic', era: '2024-11-05' },
  { transport: 'streamable-http', mode: { pin: VERSION_2026_07_28 }, registration: 'dynamic', era: '2026-07-28' },
  { transport: 'streamable-http', mode: { pin: VERSION_2026_07_28 }, registration: 'pre-registered', era: '2026-07-28' },
];

describe('SDK v2 client, version negotiation, OAuth provider', () => {
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

  for (const { transport: transportKind, mode, registration, era: expectedEra } of ROWS) {
    const label = `${transportKind}, ${typeof mode === 'string' ? mode : `pinned ${mode.pin}`}, ${registration}`;
    it(`${label}: signs in through auth(), whoami works, served by the ${expectedEra} era`, async () => {
      const log: Exchange[] = [];
      const provider = new HeadlessOAuthProvider<StoredOAuthClientInformation, StoredOAuthTokens>({
        credentials: ALICE,
        ...(registration === 'pre-registered' ? { preRegistered: { client_id: 'mcp-inspector' } } : {}),
      });
      const options = { authProvider: provider, fetch: recordingFetch(log) };
      const makeTransport = () =>
        transportKind === 'sse'
          ? new SSEClientTransport(new URL(server.sseUrl), options)
          : new StreamableHTTPClientTransport(new URL(server.mcpUrl), options);
      const makeClient = () =>
        new Client({ name: 'interop-sdk-v2', version: '2.0.0' }, { versionNegotiation: { mode, probe: { timeoutMs: 10_000 } } });

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
        negotiated[label] = { protocolVersion: version, era, trail: describeExchanges(log).split('\n') };
        assert.equal(era, SDK_ERA[expectedEra]);
        if (expectedEra === '2026-07-28') assert.equal(version, VERSION_2026_07_28);
        else assert.ok(version && SUPPORTED_PROTOCOL_VERSIONS.includes(version), `negotiated ${version}, SDK v1 serves ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`);
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === 'whoami'), 'tools/list names whoami');
        assertIdentity(whoamiClaims(await client.callTool({ name: 'whoami', arguments: {} })), ALICE);
      } finally {
        await client.close();
      }
      const trail = describeExchanges(log);
      assert.ok(log.some((e) => e.status === 401), `got a 401 first:\n${trail}`);
      assert.ok(log.some((e) => new URL(e.url).pathname === '/oidc/token' && e.status === 200), `token request:\n${trail}`);
      assert.equal(provider.authorizationUrls[0]?.searchParams.get('resource'), transportKind === 'sse' ? server.resources.sse : server.resources.mcp, "RFC 8707 resource: the endpoint's");
      const registered = log.some((e) => new URL(e.url).pathname === '/oidc/reg');
      assert.equal(registered, registration === 'dynamic', `dynamic registration only when not pre-registered:\n${trail}`);
      if (registration === 'pre-registered') assert.equal(provider.authorizationUrls[0]?.searchParams.get('client_id'), 'mcp-inspector');

    });
  }
});
