/**
 * OpenAI's Codex CLI 0.169.1 against the real Logto over Streamable HTTP: `codex mcp add … --url …/mcp
 * --oauth-client-id <App ID>` signs in with a pre-registered "Native app" (Logto has no dynamic
 * registration and no client ID metadata documents, Codex's default), `codex app-server` lists the
 * server and calls whoami without a model; `codex mcp logout` / `codex mcp login` sign in again.
 * The app is created for this file in its before hook with Codex's callback
 * (`http://127.0.0.1:<mcp_oauth_callback_port>/callback`) as its redirect URI. CODEX_HOME and its
 * loopback-only config.toml: test/interop/helpers/codex.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CodexHome } from '../interop/helpers/codex.js';
import { whoamiClaims } from '../interop/helpers/our-server.js';
import { freePort } from '../support/harness.js';
import { createApplication, type LogtoApplication } from './support/applications.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInAtLogto } from './support/sign-in.js';

const CODEX_ERA = '2025-06-18';

describe('Codex CLI 0.169.1 against the real Logto (pre-registered Native app, Streamable HTTP)', () => {
  const fixture = logtoServerHooks();
  let home: CodexHome | undefined;
  let app: LogtoApplication | undefined;

  before(async () => {
    home = await CodexHome.create(await freePort());
    app = await createApplication(fixture.suite.logto, 'Codex CLI (tests)', 'Native', [home.redirectUri]);
  });
  after(async () => {
    await app?.delete();
    await home?.close();
  });

  async function whoami(codex: CodexHome): Promise<Record<string, unknown>> {
    const server = await codex.appServer();
    try {
      const status = await server.status('whoami');
      assert.equal(status.authStatus, 'oAuth', JSON.stringify(status));
      assert.deepEqual(Object.keys(status.tools), ['whoami']);
      const result = await server.callTool('whoami', 'whoami');
      assert.equal(result.isError ?? false, false, `${JSON.stringify(result)}\n${server.log().slice(-3000)}`);
      assert.deepEqual([...new Set(server.negotiatedVersions())], [CODEX_ERA], server.log().slice(-3000));
      return whoamiClaims(result);
    } finally {
      await server.close();
    }
  }

  it('mcp add --oauth-client-id signs in at Logto, app-server calls whoami; logout, mcp login, whoami again', async () => {
    const { suite, server } = fixture;
    const { alice } = suite.tenant;
    const codex = home!;
    const resource = server.advertisedResources.mcp;
    assert.equal(resource, server.mcpUrl, "/mcp's resource is its own URL");
    const authorize = async (url: URL) => (await signInAtLogto(url, codex.redirectUri, alice)).callbackUrl;

    const added = await codex.signIn(['mcp', 'add', 'whoami', '--url', server.mcpUrl, '--oauth-client-id', app!.id], authorize);
    const url = added.authorizationUrl;
    assert.equal(url.origin + url.pathname, `${suite.logto.issuer}/auth`);
    assert.equal(url.searchParams.get('client_id'), app!.id);
    assert.equal(url.searchParams.get('redirect_uri'), codex.redirectUri);
    assert.equal(url.searchParams.get('resource'), resource);
    let claims = await whoami(codex);
    assert.equal(claims['sub'], alice.id);
    assert.equal(claims['token_type'], 'jwt');
    assert.equal(claims['aud'], resource);

    const loggedOut = await codex.run(['mcp', 'logout', 'whoami']);
    assert.equal(loggedOut.code, 0, loggedOut.stderr);
    const login = await codex.signIn(['mcp', 'login', 'whoami'], authorize);
    assert.equal(login.authorizationUrl.searchParams.get('client_id'), app!.id, 'mcp login uses the client id mcp add stored');
    assert.equal(login.authorizationUrl.searchParams.get('resource'), resource);
    claims = await whoami(codex);
    assert.equal(claims['sub'], alice.id);
  });
});
