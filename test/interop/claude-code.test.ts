/**
 * Claude Code 2.1.332 against our server and its embedded dev IdP, as a user runs it: `claude mcp add`,
 * `claude mcp list` (needs authentication), `claude mcp login` (Claude Code's own discovery,
 * registration, PKCE and token exchange; the browser step headless), `claude mcp list` (connected), then
 * one whoami call in print mode (`claude -p`) with a loopback stand-in for its model API — the
 * `tool_result` the stand-in receives must carry alice's `sub`. Rows:
 *
 * - Streamable HTTP and SSE with a pre-registered client (`--client-id`, `--callback-port`: the Logto way);
 * - Streamable HTTP with Claude Code's default, a client ID metadata document: a copy of its document
 *   (claude.ai/oauth/claude-code-client-metadata — port-less loopback redirect URIs, no
 *   application_type) served over https on 127.0.0.1, named by MCP_OAUTH_CLIENT_METADATA_URL;
 * - and that default left alone: the dev IdP never fetches the vendor's document during tests
 *   (test/support/loopback-fetch.ts refuses it), so the sign-in stops at invalid_client.
 *
 * The era that served each row comes from our server's request log (and Claude Code's own MCP log).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { LogCapture } from '../support/harness.js';
import { startHttpsDocuments, type HttpsDocuments } from '../support/https-documents.js';
import { loopbackOnlyFetch, type LoopbackOnlyFetch } from '../support/loopback-fetch.js';
import { assertClaudeCodeEras, claudeCodeHome, type ClaudeTransport } from './helpers/claude-code.js';
import { assertIdentity } from './helpers/identity.js';
import { FINAL_TEXT, startMessagesApiStandIn } from './helpers/messages-api-stand-in.js';
import { ALICE, startOurServer, type RunningServer } from './helpers/our-server.js';
import { resourceOf } from './helpers/protected-resource.js';
import { authenticatedRequestsSince } from './helpers/request-log.js';

/** The client ID Claude Code 2.1.332 sends by default (its bundle's MCP_CLIENT_METADATA_URL). */
const VENDOR_CLIENT_ID = 'https://claude.ai/oauth/claude-code-client-metadata';
/** Fixed callback port of the pre-registered client, below Linux's ephemeral range (test/logto/support/tenant.ts says why). */
const CALLBACK_PORT = 28430;
const NAME = 'whoami';
const TOOL = `mcp__${NAME}__whoami`;
const DOCUMENT_PATH = '/oauth/claude-code-client-metadata';

type Registration = 'pre-registered' | 'metadata document';
const ROWS: ReadonlyArray<{ transport: ClaudeTransport; registration: Registration }> = [
  { transport: 'http', registration: 'pre-registered' },
  { transport: 'sse', registration: 'pre-registered' },
  { transport: 'http', registration: 'metadata document' },
];

/** What claude.ai serves at VENDOR_CLIENT_ID, with `client_id` naming the copy's own URL (draft-02 requires it to equal the URL). */
function claudeCodeDocument(url: string): Record<string, unknown> {
  return {
    client_id: url,
    client_name: 'Claude Code',
    client_uri: 'https://claude.ai',
    redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

describe('Claude Code 2.1.332 against the dev IdP', () => {
  let server: RunningServer;
  let docs: HttpsDocuments;
  let guard: LoopbackOnlyFetch;
  let documentUrl: string;
  let preRegisteredClientId: string;
  const logs = new LogCapture();

  before(async () => {
    docs = await startHttpsDocuments();
    guard = loopbackOnlyFetch(docs.fetch);
    documentUrl = docs.serve(DOCUMENT_PATH, claudeCodeDocument(`${docs.origin}${DOCUMENT_PATH}`));
    // `info`: one line per answered request, naming the era that served /mcp.
    server = await startOurServer({ LOG_LEVEL: 'info' }, logs, { fetch: guard.fetch });
    // The pre-registered client: registered at the dev IdP before Claude Code runs, as an app is created in Logto.
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { registration_endpoint: string };
    const registered = await fetch(discovery.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Claude Code (tests)',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`http://localhost:${CALLBACK_PORT}/callback`],
      }),
    });
    assert.equal(registered.status, 201, await registered.clone().text());
    preRegisteredClientId = ((await registered.json()) as { client_id: string }).client_id;
  });
  after(async () => {
    await server?.close();
    await docs?.close();
  });

  for (const { transport, registration } of ROWS) {
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}, ${registration}: mcp add, list, login as alice, list, whoami in print mode`, async () => {
      const url = transport === 'http' ? server.mcpUrl : server.sseUrl;
      const fromLog = logs.chunks.length;
      const model = await startMessagesApiStandIn(TOOL);
      const home = claudeCodeHome(model.baseUrl, registration === 'metadata document' ? { MCP_OAUTH_CLIENT_METADATA_URL: documentUrl } : {});
      try {
        await home.add(NAME, transport, url, registration === 'pre-registered' ? { clientId: preRegisteredClientId, callbackPort: CALLBACK_PORT } : {});
        assert.match(await home.health(NAME), /Needs authentication/);

        const { authorizationUrl } = await home.login(NAME, async (authorization) => {
          const redirectUri = authorization.searchParams.get('redirect_uri') ?? '';
          return (await authorizeHeadless(authorization, redirectUri, ALICE)).callbackUrl;
        });
        assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${server.issuer}/auth`);
        assert.equal(authorizationUrl.searchParams.get('resource'), await resourceOf(url), 'RFC 8707 resource: the endpoint\'s own');
        assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
        const redirectUri = new URL(authorizationUrl.searchParams.get('redirect_uri') ?? '');
        if (registration === 'pre-registered') {
          assert.equal(authorizationUrl.searchParams.get('client_id'), preRegisteredClientId);
          assert.equal(redirectUri.href, `http://localhost:${CALLBACK_PORT}/callback`);
        } else {
          assert.equal(authorizationUrl.searchParams.get('client_id'), documentUrl, 'the metadata document URL is the client_id');
          // A port of its own choosing on the document's port-less loopback URI (RFC 8252 §7.3).
          assert.equal(`${redirectUri.protocol}//${redirectUri.hostname}${redirectUri.pathname}`, 'http://localhost/callback');
          assert.ok(docs.hits(DOCUMENT_PATH) > 0, 'the dev IdP fetched the loopback copy of the document');
        }
        assert.match(await home.health(NAME), /Connected/);

        const result = await home.print('Who am I? Call the whoami tool.', TOOL);
        assert.equal(result.is_error, false, JSON.stringify(result));
        assert.equal(result.result, FINAL_TEXT, 'the turn ended with the stand-in\'s final text');
        assert.equal(model.toolResults.length, 1, `one tool_result reached the model: ${JSON.stringify(model.requests)}`);
        assertIdentity(JSON.parse(model.toolResults[0]!) as Record<string, unknown>, ALICE);

        const served = authenticatedRequestsSince(logs, fromLog);
        const versions = home.negotiatedVersions(NAME);
        assert.ok(versions.length > 0, 'Claude Code logged its connections');
        assertClaudeCodeEras(transport, served, versions);
        assert.deepEqual(guard.refused, [], 'nothing off loopback was fetched');
      } finally {
        home.remove();
        await model.close();
      }
    });
  }

  it('by default Claude Code names its vendor\'s metadata document: the dev IdP refuses it without fetching it (tests stay on loopback)', async () => {
    const model = await startMessagesApiStandIn(TOOL);
    const home = claudeCodeHome(model.baseUrl);
    try {
      await home.add(NAME, 'http', server.mcpUrl);
      const authorization = await home.authorizationUrlOf(NAME);
      assert.equal(authorization.searchParams.get('client_id'), VENDOR_CLIENT_ID);
      const response = await fetch(authorization, { redirect: 'manual' });
      const body = await response.text();
      assert.equal(response.status, 400, body.slice(0, 300));
      assert.match(body, /invalid_client/);
      assert.ok(guard.refused.length > 0, 'the dev IdP asked for the vendor\'s document');
      assert.deepEqual([...new Set(guard.refused)], [VENDOR_CLIENT_ID], 'and only for it; refused before any connection');
    } finally {
      home.remove();
      await model.close();
    }
  });
});
