/**
 * Gemini CLI 0.61.0 against the real Logto 1.37.1, over Streamable HTTP and SSE, with a pre-registered
 * Native app (Logto has no dynamic registration and no CIMD): the App is created here, through the
 * Management API, with the one redirect URI the CLI will use — `oauth.redirectUri` in the server's
 * settings entry fixes its callback port. `/mcp auth NAME` runs in the CLI's terminal UI (tmux): its own
 * discovery (RFC 9728 from the endpoint's 401 → Logto's metadata), PKCE, Logto's sign-in as alice
 * (headless, through the experience API), its token exchange; then `gemini -p` against a loopback
 * stand-in for the Gemini API that asks for one `whoami` call. The endpoint's own API resource (…/mcp,
 * …/sse) is registered at Logto by the suite with exactly what the endpoint's metadata names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGeminiEras, GeminiCli, geminiEntry, whoamiFromFunctionResponse } from '../interop/helpers/gemini-cli.js';
import { startGeminiModel } from '../interop/helpers/gemini-model.js';
import { authenticatedRequestsSince } from '../interop/helpers/request-log.js';
import { createApplication, type LogtoApplication } from './support/applications.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInAtLogto } from './support/sign-in.js';

/** The Gemini App's one redirect URI: a fixed loopback port below the ephemeral range (see tenant.ts). */
const GEMINI_REDIRECT_URI = 'http://localhost:28440/oauth/callback';

describe('Gemini CLI 0.61.0 against the real Logto (pre-registered Native app)', () => {
  const fixture = logtoServerHooks();
  let app: LogtoApplication | undefined;
  before(async () => {
    geminiEntry(); // install outside the per-test timeouts
    app = await createApplication(fixture.suite.logto, 'Gemini CLI (tests)', 'Native', [GEMINI_REDIRECT_URI]);
  });
  after(() => app?.delete());

  for (const transport of ['http', 'sse'] as const) {
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}: /mcp auth with the App ID, sign in at Logto as alice, whoami names her`, async () => {
      const { suite, server } = fixture;
      const endpoint = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const resource = transport === 'http' ? server.advertisedResources.mcp : server.advertisedResources.sse;
      assert.equal(resource, endpoint, "the endpoint's document names the endpoint (what Gemini CLI checks, RFC 9728 §3.3)");
      const { alice } = suite.tenant;
      const clientId = app!.id;
      const model = await startGeminiModel();
      const cli = new GeminiCli(model.baseUrl);
      try {
        await cli.addServer('whoami', transport, endpoint, { clientId, redirectUri: GEMINI_REDIRECT_URI });
        const fromLog = server.logs.chunks.length;

        const { authorizationUrl } = await cli.signIn('whoami', async (url) => (await signInAtLogto(url, GEMINI_REDIRECT_URI, alice)).callbackUrl);
        assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${suite.logto.issuer}/auth`, 'the CLI found Logto through our metadata');
        assert.equal(authorizationUrl.searchParams.get('client_id'), clientId, 'the pre-registered App ID, no registration attempt');
        assert.equal(authorizationUrl.searchParams.get('redirect_uri'), GEMINI_REDIRECT_URI);
        assert.equal(authorizationUrl.searchParams.get('resource'), resource);
        assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
        assert.deepEqual(cli.storedTokens().map((t) => [t.serverName, t.mcpServerUrl, t.clientId]), [['whoami', endpoint, clientId]]);

        const run = await cli.prompt('Call the whoami tool.');
        assert.equal(run.code, 0, `gemini -p exited ${run.code}: ${run.stderr.slice(-2000)}`);
        assert.deepEqual(model.exchanges.filter((e) => e.called).map((e) => e.called), ['mcp_whoami_whoami'], JSON.stringify(model.exchanges));
        assert.equal(model.functionResponses.length, 1, JSON.stringify(model.functionResponses));
        const claims = whoamiFromFunctionResponse(model.functionResponses[0]!.response);
        assert.equal(claims['sub'], alice.id, `whoami sub: ${JSON.stringify(claims)}`);
        assert.equal(claims['token_type'], 'jwt');
        assert.equal(claims['aud'], resource);
        assert.equal(claims['client_id'], clientId);

        const served = authenticatedRequestsSince(server.logs, fromLog);
        assertGeminiEras(transport, served);
      } finally {
        cli.remove();
        await model.close();
      }
    });
  }
});
