/**
 * Claude Code 2.1.332 against the real Logto 1.37.1, which has neither dynamic client registration nor
 * client ID metadata documents: a Native app created through the Management API in this file's before
 * hook, its redirect URI `http://localhost:<callback port>/callback` (what Claude Code listens on with
 * `--callback-port`), its App ID given as `--client-id`. Per transport: claude mcp add, mcp list (needs
 * authentication), mcp login (headless sign-in at Logto), mcp list (connected), then whoami in print
 * mode against the loopback model stand-in — alice's Logto user ID must come back in the tool_result.
 * And without `--client-id`: the "Incompatible auth server" refusal the docs explain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertClaudeCodeEras, claudeCodeHome, type ClaudeTransport } from '../interop/helpers/claude-code.js';
import { FINAL_TEXT, startMessagesApiStandIn } from '../interop/helpers/messages-api-stand-in.js';
import { resourceOf } from '../interop/helpers/protected-resource.js';
import { authenticatedRequestsSince } from '../interop/helpers/request-log.js';
import { createApplication, type LogtoApplication } from './support/applications.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInAtLogto } from './support/sign-in.js';

/** Fixed callback port (below Linux's ephemeral range, see support/tenant.ts); the app is registered with it. */
const CALLBACK_PORT = 28433;
const REDIRECT_URI = `http://localhost:${CALLBACK_PORT}/callback`;
const NAME = 'whoami';
const TOOL = `mcp__${NAME}__whoami`;

describe('Claude Code 2.1.332 against the real Logto (pre-registered Native app)', () => {
  const fixture = logtoServerHooks();
  let app: LogtoApplication | undefined;
  let appId: string;

  before(async () => {
    app = await createApplication(fixture.suite.logto, 'Claude Code (tests)', 'Native', [REDIRECT_URI]);
    appId = app.id;
  });
  after(() => app?.delete());

  for (const transport of ['http', 'sse'] as const satisfies readonly ClaudeTransport[]) {
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}: mcp add --client-id --callback-port, list, login as alice at Logto, list, whoami in print mode`, async () => {
      const { suite, server } = fixture;
      const url = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const fromLog = server.logs.chunks.length;
      const model = await startMessagesApiStandIn(TOOL);
      const home = claudeCodeHome(model.baseUrl);
      try {
        await home.add(NAME, transport, url, { clientId: appId, callbackPort: CALLBACK_PORT });
        assert.match(await home.health(NAME), /Needs authentication/);
        const { authorizationUrl } = await home.login(NAME, async (authorization) => (await signInAtLogto(authorization, REDIRECT_URI, suite.tenant.alice)).callbackUrl);
        const resource = await resourceOf(url);
        assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${suite.logto.issuer}/auth`);
        assert.equal(authorizationUrl.searchParams.get('client_id'), appId);
        assert.equal(authorizationUrl.searchParams.get('redirect_uri'), REDIRECT_URI);
        assert.equal(authorizationUrl.searchParams.get('resource'), resource);
        assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
        assert.match(await home.health(NAME), /Connected/);

        const result = await home.print('Who am I? Call the whoami tool.', TOOL);
        assert.equal(result.is_error, false, JSON.stringify(result));
        assert.equal(result.result, FINAL_TEXT);
        assert.equal(model.toolResults.length, 1, `one tool_result reached the model: ${JSON.stringify(model.requests)}`);
        const claims = JSON.parse(model.toolResults[0]!) as Record<string, unknown>;
        assert.equal(claims['sub'], suite.tenant.alice.id, `whoami: ${model.toolResults[0]}`);
        assert.equal(claims['token_type'], 'jwt');
        assert.equal(claims['aud'], resource);

        const served = authenticatedRequestsSince(server.logs, fromLog);
        const versions = home.negotiatedVersions(NAME);
        assertClaudeCodeEras(transport, served, versions);
      } finally {
        home.remove();
        await model.close();
      }
    });
  }

  it('without --client-id: "Incompatible auth server: does not support dynamic client registration" (Logto offers neither DCR nor CIMD)', async () => {
    const model = await startMessagesApiStandIn(TOOL);
    const home = claudeCodeHome(model.baseUrl);
    try {
      await home.add(NAME, 'http', fixture.server.mcpUrl);
      const output = await home.failedLogin(NAME);
      assert.match(output, /Incompatible auth server: does not support dynamic client registration/);
    } finally {
      home.remove();
      await model.close();
    }
  });
});
