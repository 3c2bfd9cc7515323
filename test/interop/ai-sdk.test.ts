/**
 * The Vercel AI SDK's MCP client, `@ai-sdk/mcp` 2.0.99, signs in to our server with its own OAuth
 * code — discovery, dynamic client registration or a pre-registered client id, PKCE, the token
 * exchange — and calls whoami directly (no model), over Streamable HTTP and over SSE, against a dev
 * IdP (helpers/dev-tenant.ts). It runs on Node 22 as a child (helpers/ai-sdk.ts); the browser step is
 * test/support/authorize-headless.ts.
 *
 * The client that needs a resource identifier with a path: it sends the metadata's `resource`
 * through its `resourceUrlStripSlash`, which drops the `/` of an origin-only identifier
 * (`http://host:port/` → `http://host:port`), and the IdP matches API identifiers exactly — with the
 * origin as the resource it got `invalid_target`. Each endpoint's resource is now its own URL, which
 * no client rewrites.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { runAiSdkClient } from './helpers/ai-sdk.js';
import { startDevTenant, type DevTenant } from './helpers/dev-tenant.js';
import { assertIdentity } from './helpers/identity.js';
import { ALICE, whoamiClaims } from './helpers/our-server.js';

/** The callback route of the application using the SDK (nothing listens: the headless sign-in stops there). */
const REDIRECT_URL = 'http://localhost:3000/api/mcp/oauth/callback';

/** What each transport negotiates: Streamable HTTP probes `server/discover` (2026-07-28); SSE initializes (the SDK's newest 2025 version). */
const ERA = { http: '2026-07-28', sse: '2025-11-25' } as const;

describe('@ai-sdk/mcp 2.0.99 signs in and calls whoami (dev IdP)', () => {
  let tenant: DevTenant;
  let preRegisteredId: string;

  before(async () => {
    tenant = await startDevTenant();
    preRegisteredId = await tenant.registerApp('AI SDK app (pre-registered)', 'SPA', [REDIRECT_URL]);
  });
  after(async () => {
    await tenant?.close();
  });

  for (const transport of ['http', 'sse'] as const) {
    for (const registration of ['dynamic', 'pre-registered'] as const) {
      it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}, ${registration} client: whoami's sub is alice's, era ${ERA[transport]}`, async () => {
        const { server, resources } = tenant;
        const resource = transport === 'http' ? resources.mcp : resources.sse;
        const result = await runAiSdkClient({
          url: transport === 'http' ? server.mcpUrl : server.sseUrl,
          transport,
          redirectUrl: REDIRECT_URL,
          ...(registration === 'pre-registered' ? { clientId: preRegisteredId } : {}),
          authorize: async (url) => (await authorizeHeadless(url, REDIRECT_URL, ALICE)).callbackUrl,
        });

        // Its own sign-in: one authorization request, PKCE S256, the endpoint's own resource.
        assert.equal(result.authorizationUrls.length, 1, 'the SDK asked for one sign-in');
        const authorization = new URL(result.authorizationUrls[0]!);
        assert.equal(authorization.origin + authorization.pathname, `${tenant.idp.issuer}/auth`);
        assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(authorization.searchParams.get('resource'), resource, 'the SDK sends the resource the endpoint announces');
        if (registration === 'pre-registered') {
          assert.equal(authorization.searchParams.get('client_id'), preRegisteredId);
          assert.equal(result.dynamicallyRegistered, false);
        } else {
          assert.equal(result.dynamicallyRegistered, true);
          assert.ok(result.exchanges.some((e) => e.method === 'POST' && e.url === `${tenant.idp.issuer}/reg` && e.status === 201), 'registered at the IdP');
        }
        const tokenRequest = result.exchanges.find((e) => e.grantType === 'authorization_code');
        assert.equal(tokenRequest?.status, 200, JSON.stringify(result.exchanges));
        assert.equal(tokenRequest?.resource, resource);

        // Tools listed and whoami called in the era the SDK negotiated.
        assert.deepEqual(result.tools, ['whoami']);
        assert.equal(result.protocolVersion, ERA[transport]);
        const call = result.exchanges.find((e) => e.rpc === 'tools/call');
        assert.equal(call?.protocolVersion, ERA[transport], `tools/call carries the negotiated MCP-Protocol-Version: ${JSON.stringify(result.exchanges, null, 1)}`);
        assert.equal(call?.status, transport === 'http' ? 200 : 202, 'over SSE the answer comes on the stream; the POST is accepted');
        assert.equal(result.whoami.isError ?? false, false, JSON.stringify(result.whoami));
        const claims = whoamiClaims(result.whoami);
        assertIdentity(claims, ALICE);
        assert.equal(claims['aud'], resource);
      });
    }
  }
});
