/**
 * Gemini CLI 0.61.0 against our server and its embedded dev IdP, over Streamable HTTP and SSE, each
 * doing its OWN OAuth: `gemini mcp add`, then `/mcp auth NAME` in its terminal UI (driven in tmux) —
 * RFC 9728 discovery from the endpoint's 401, the issuer's metadata, dynamic client registration, PKCE,
 * the browser step headless (the URL it opens goes to the dev IdP's sign-in and consent as alice), the
 * token exchange at its own loopback callback — then `gemini -p` against a loopback stand-in for the
 * Gemini API that asks for exactly one `whoami` call. The test reads alice's `sub` in the function
 * response the stand-in receives, and which era served the calls in our server's request log.
 *
 * Gemini CLI applies RFC 9728 §3.3 literally: the metadata it fetches for `…/mcp` must name `…/mcp`
 * (and for `…/sse`, `…/sse`), and it sends the endpoint URL as the RFC 8707 `resource`.
 * No packet leaves loopback: see helpers/gemini-cli.ts (settings) and docs/clients.md (the strace check).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { LogCapture } from '../support/harness.js';
import { assertIdentity } from './helpers/identity.js';
import { assertGeminiEras, GeminiCli, geminiEntry, whoamiFromFunctionResponse } from './helpers/gemini-cli.js';
import { startGeminiModel } from './helpers/gemini-model.js';
import { ALICE, startOurServer, type RunningServer } from './helpers/our-server.js';
import { authenticatedRequestsSince } from './helpers/request-log.js';

describe('Gemini CLI 0.61.0: /mcp auth in its terminal UI (dynamic registration at the dev IdP), whoami through gemini -p', () => {
  let server: RunningServer;
  const logs = new LogCapture();
  before(async () => {
    geminiEntry(); // install outside the per-test timeouts
    // `info`: one line per answered request, naming the era that served it.
    server = await startOurServer({ LOG_LEVEL: 'info' }, logs);
  });
  after(async () => {
    await server?.close();
  });

  for (const transport of ['http', 'sse'] as const) {
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}: sign in as alice, whoami names her`, async () => {
      const endpoint = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const model = await startGeminiModel();
      const cli = new GeminiCli(model.baseUrl);
      try {
        await cli.addServer('whoami', transport, endpoint);
        const fromLog = logs.chunks.length;

        const { authorizationUrl } = await cli.signIn('whoami', async (url) => {
          const redirectUri = url.searchParams.get('redirect_uri');
          assert.ok(redirectUri, `the CLI's authorization URL names a redirect_uri: ${url.href}`);
          return (await authorizeHeadless(url, redirectUri, ALICE)).callbackUrl;
        });
        assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${server.issuer}/auth`, 'the CLI found the dev IdP through our metadata');
        assert.equal(authorizationUrl.searchParams.get('resource'), endpoint, 'RFC 8707 resource: the endpoint URL');
        assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
        assert.match(authorizationUrl.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+\/oauth\/callback$/);
        assert.ok(authorizationUrl.searchParams.get('client_id'), 'a dynamically registered client id');
        const stored = cli.storedTokens();
        assert.deepEqual(stored.map((t) => [t.serverName, t.mcpServerUrl, t.clientId]), [['whoami', endpoint, authorizationUrl.searchParams.get('client_id')]]);

        const run = await cli.prompt('Call the whoami tool.');
        assert.equal(run.code, 0, `gemini -p exited ${run.code}: ${run.stderr.slice(-2000)}`);
        const called = model.exchanges.filter((e) => e.called).map((e) => e.called);
        assert.deepEqual(called, ['mcp_whoami_whoami'], `the stand-in asked for one whoami call: ${JSON.stringify(model.exchanges)}`);
        assert.equal(model.functionResponses.length, 1, JSON.stringify(model.functionResponses));
        assert.equal(model.functionResponses[0]!.name, 'mcp_whoami_whoami');
        const claims = whoamiFromFunctionResponse(model.functionResponses[0]!.response);
        assertIdentity(claims, ALICE);
        assert.equal(claims['aud'], endpoint, 'the token is for the endpoint it was used on');
        assert.equal(claims['client_id'], authorizationUrl.searchParams.get('client_id'));

        // Which era served it, in the server's words: the 2025 era on /mcp; the 2024-11-05 HTTP+SSE
        // transport (/sse + /messages) for SSE, which has one era only and whose log lines name none.
        const served = authenticatedRequestsSince(logs, fromLog);
        assertGeminiEras(transport, served);
      } finally {
        cli.remove();
        await model.close();
      }
    });
  }
});
