/**
 * mcp-remote 0.15.1 — the stdio bridge desktop MCP clients use to reach remote servers — signs in
 * to our server and calls whoami, over Streamable HTTP and over SSE, with dynamic client
 * registration and with a pre-registered client (`--static-oauth-client-info`).
 *
 * mcp-remote runs on Node 22 as a child process driven by the SDK's stdio client
 * (helpers/mcp-remote.ts, shared with test/logto/mcp-remote.test.ts): the authorization URL it asks
 * the user to visit is signed in headlessly as alice (test/support/authorize-headless.ts) and the
 * redirect delivered to mcp-remote's callback server. Each run has its own MCP_REMOTE_CONFIG_DIR, so
 * no token or registration is shared between runs.
 *
 * It sends the metadata's `resource` through WHATWG URL, and the IdP matches API identifiers
 * exactly: each endpoint's own identifier (`…/mcp`, `…/sse`) passes through unchanged.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { freePort } from '../support/harness.js';
import { connectThroughMcpRemote } from './helpers/mcp-remote.js';
import { ALICE, whoamiClaims } from './helpers/our-server.js';

const silent = { error() {}, warn() {}, info() {} };

describe('mcp-remote 0.15.1 (stdio bridge) signs in and calls whoami', () => {
  let idp: DevIdp;
  let server: RunningServer;
  let m2mToken: string;

  before(async () => {
    const port = await freePort();
    // The resources exactly as the server announces them: one per endpoint.
    idp = await startDevIdp({ port: 0, resources: { [`http://localhost:${port}/mcp`]: ['whoami:read'], [`http://localhost:${port}/sse`]: ['whoami:read'] }, logger: silent });
    server = await startServer({ PORT: String(port), LOGTO_ENDPOINT: idp.origin, LOG_LEVEL: process.env['INTEROP_LOG_LEVEL'] ?? 'silent' }, { banner: false });
    await server.ready;
    assert.deepEqual(server.resources, { mcp: `http://localhost:${port}/mcp`, sse: `http://localhost:${port}/sse` });
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: idp.m2m.appId, client_secret: idp.m2m.appSecret, resource: idp.m2m.resource, scope: 'all' }),
    });
    m2mToken = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await server?.close();
    await idp?.close();
  });

  /** A pre-registered public client (a Logto "Single page app") whose redirect URI is mcp-remote's callback. */
  async function registerApp(redirectUri: string): Promise<string> {
    const res = await fetch(`${idp.origin}/api/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${m2mToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mcp-remote (pre-registered)', type: 'SPA', oidcClientMetadata: { redirectUris: [redirectUri], postLogoutRedirectUris: [] } }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  }

  for (const transport of ['http-only', 'sse-only'] as const) {
    for (const registration of ['dynamic', 'static'] as const) {
      it(`${transport === 'http-only' ? 'Streamable HTTP' : 'SSE'}, ${registration} client registration: whoami's sub is alice's`, async () => {
        const configDir = await mkdtemp(join(tmpdir(), 'mcp-remote-'));
        const callbackPort = await freePort();
        const redirectUri = `http://localhost:${callbackPort}/oauth/callback`;
        const clientId = registration === 'static' ? await registerApp(redirectUri) : undefined;
        try {
          // Connecting fails unless mcp-remote's callback took the code (the helper checks its 200).
          const session = await connectThroughMcpRemote({
            serverUrl: transport === 'http-only' ? server.mcpUrl : server.sseUrl,
            transport,
            callbackPort,
            ...(clientId === undefined ? {} : { clientId }),
            configDir,
            authorize: async (url) => (await authorizeHeadless(url, redirectUri, ALICE)).callbackUrl,
          });
          try {
            const url = session.authorizationUrls[0];
            assert.ok(url, 'mcp-remote asked for a sign-in');
            const resource = transport === 'http-only' ? server.resources.mcp : server.resources.sse;
            assert.equal(url.searchParams.get('resource'), resource, "mcp-remote sends the endpoint's resource");
            if (clientId !== undefined) assert.equal(url.searchParams.get('client_id'), clientId);
            const result = await session.client.callTool({ name: 'whoami', arguments: {} });
            assert.equal(result.isError ?? false, false, `${JSON.stringify(result)}\n--- mcp-remote stderr ---\n${session.log().slice(-4000)}`);
            assert.equal(whoamiClaims(result)['sub'], ALICE.sub);
          } finally {
            await session.close();
          }
        } finally {
          await rm(configDir, { recursive: true, force: true });
        }
      });
    }
  }
});
