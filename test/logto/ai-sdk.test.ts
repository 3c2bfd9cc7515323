/**
 * The Vercel AI SDK's MCP client (`@ai-sdk/mcp` 2.0.99) against the real Logto: its own discovery,
 * PKCE and token exchange with a pre-registered "Single page app" (Logto has no dynamic registration),
 * over Streamable HTTP and SSE, each endpoint's resource registered at Logto as announced (…/mcp,
 * …/sse). Before per-endpoint resources it could not sign in here: it strips the `/` of an origin-only
 * resource and Logto, matching API identifiers exactly, answered invalid_target.
 * The app is created for this file in its before hook, with the SDK application's callback as redirect URI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAiSdkClient } from '../interop/helpers/ai-sdk.js';
import { whoamiClaims } from '../interop/helpers/our-server.js';
import { createApplication, type LogtoApplication } from './support/applications.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInAtLogto } from './support/sign-in.js';

/** The callback route of the application using the SDK (nothing listens: the headless sign-in stops there). */
const REDIRECT_URL = 'http://localhost:3000/api/mcp/oauth/callback';
const ERA = { http: '2026-07-28', sse: '2025-11-25' } as const;

describe('@ai-sdk/mcp 2.0.99 against the real Logto (pre-registered SPA)', () => {
  const fixture = logtoServerHooks();
  let app: LogtoApplication | undefined;

  before(async () => {
    app = await createApplication(fixture.suite.logto, 'AI SDK app (tests)', 'SPA', [REDIRECT_URL]);
  });
  after(async () => {
    await app?.delete();
  });

  for (const transport of ['http', 'sse'] as const) {
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}: sign in at Logto, whoami's sub is alice's, era ${ERA[transport]}`, async () => {
      const { suite, server } = fixture;
      const { alice } = suite.tenant;
      const endpoint = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const resource = server.advertisedResources[transport === 'http' ? 'mcp' : 'sse'];
      assert.equal(resource, endpoint, "the endpoint's resource is its own URL");
      const result = await runAiSdkClient({
        url: endpoint,
        transport,
        redirectUrl: REDIRECT_URL,
        clientId: app!.id,
        authorize: async (url) => (await signInAtLogto(url, REDIRECT_URL, alice)).callbackUrl,
      });
      const authorization = new URL(result.authorizationUrls[0]!);
      assert.equal(authorization.origin + authorization.pathname, `${suite.logto.issuer}/auth`);
      assert.equal(authorization.searchParams.get('client_id'), app!.id);
      assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorization.searchParams.get('resource'), resource);
      assert.equal(result.exchanges.find((e) => e.grantType === 'authorization_code')?.resource, resource);

      assert.deepEqual(result.tools, ['whoami']);
      assert.equal(result.protocolVersion, ERA[transport]);
      assert.equal(result.exchanges.find((e) => e.rpc === 'tools/call')?.protocolVersion, ERA[transport]);
      assert.equal(result.whoami.isError ?? false, false, JSON.stringify(result.whoami));
      const claims = whoamiClaims(result.whoami);
      assert.equal(claims['sub'], alice.id);
      assert.equal(claims['token_type'], 'jwt');
      assert.equal(claims['aud'], resource);
    });
  }
});
