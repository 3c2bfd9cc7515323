/**
 * mcp-remote 0.15.1 against the real Logto: a pre-registered Logto app (`--static-oauth-client-info`),
 * over Streamable HTTP (`--transport http-only`) and SSE (`--transport sse-only`); the API resource is
 * registered with exactly the identifier our server advertises.
 *
 * Found against Logto: mcp-remote sends the `resource` as a parsed URL's href, so an origin-only
 * identifier gains a trailing slash (`http://host:port` → `http://host:port/`), and Logto — exact
 * match on API identifiers — answered invalid_target while the server advertised the form without it.
 * The server now advertises the canonical form (`http://localhost:PORT/`); the default configuration
 * is what runs here, and it would fail again if the two forms ever drifted apart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connectThroughMcpRemote } from '../interop/helpers/mcp-remote.js';
import { whoamiClaims } from '../interop/helpers/our-server.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInAtLogto } from './support/sign-in.js';
import { MCP_REMOTE_REDIRECT_URI } from './support/tenant.js';

describe('mcp-remote against the real Logto (pre-registered app)', () => {
  const fixture = logtoServerHooks();

  for (const transport of ['http-only', 'sse-only'] as const) {
    it(`${transport === 'http-only' ? 'Streamable HTTP' : 'SSE'}, the default (per-endpoint) resource: sign in at Logto, whoami through the proxy`, async () => {
      const { suite, server: target } = fixture;
      const resource = transport === 'http-only' ? target.advertisedResources.mcp : target.advertisedResources.sse;
      assert.equal(new URL(resource).pathname, transport === 'http-only' ? '/mcp' : '/sse', "the endpoint's own resource");
      const configDir = await mkdtemp(join(tmpdir(), 'mcp-remote-logto-'));
      const { alice, inspectorApp } = suite.tenant;
      try {
        const session = await connectThroughMcpRemote({
          serverUrl: transport === 'http-only' ? target.mcpUrl : target.sseUrl,
          transport,
          callbackPort: Number(new URL(MCP_REMOTE_REDIRECT_URI).port),
          clientId: inspectorApp.id,
          configDir,
          authorize: async (url) => (await signInAtLogto(url, MCP_REMOTE_REDIRECT_URI, alice)).callbackUrl,
        });
        try {
          const authorization = session.authorizationUrls[0];
          assert.ok(authorization, 'mcp-remote asked for a sign-in');
          assert.equal(authorization.origin + authorization.pathname, `${suite.logto.issuer}/auth`);
          assert.equal(authorization.searchParams.get('client_id'), inspectorApp.id);
          assert.equal(authorization.searchParams.get('resource'), resource);
          const claims = whoamiClaims(await session.client.callTool({ name: 'whoami', arguments: {} }));
          assert.equal(claims['sub'], alice.id);
          assert.equal(claims['token_type'], 'jwt');
          assert.equal(claims['aud'], resource);
        } finally {
          await session.close();
        }
      } finally {
        await rm(configDir, { recursive: true, force: true });
      }
    });
  }
});
