/**
 * OpenAI's Codex CLI 0.169.1 signs in to our server over Streamable HTTP (the only transport it has)
 * and calls whoami without a model, against a dev IdP (helpers/dev-tenant.ts):
 *
 * - `codex mcp add whoami --url …/mcp` finds OAuth in the server's metadata and signs in at once
 *   (its "immediate login"): with `--oauth-client-registration dcr` it registers itself, with
 *   `--oauth-client-id` it uses a pre-registered app. Without either it would use its vendor's client
 *   ID metadata document (https://chatgpt.com/oauth/codex/client.json), which the dev IdP accepts and
 *   would fetch — the tests never leave that choice to it.
 * - `codex app-server` (JSON-RPC over stdio): `mcpServerStatus/list` shows the server signed in with
 *   its tools; `thread/start` + `mcpServer/tool/call` calls whoami.
 * - `codex mcp logout` drops the tokens (the status says so), `codex mcp login` signs in again with the
 *   same registration choice, and whoami answers again.
 *
 * The browser step is test/support/authorize-headless.ts; codex's own callback listener receives the
 * redirect. Each test has its own CODEX_HOME whose config.toml keeps codex on loopback
 * (helpers/codex.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { freePort } from '../support/harness.js';
import { CodexHome, type AppServer } from './helpers/codex.js';
import { startDevTenant, type DevTenant } from './helpers/dev-tenant.js';
import { assertIdentity } from './helpers/identity.js';
import { ALICE, whoamiClaims } from './helpers/our-server.js';

/** What Codex 0.169.1 negotiates with our server (its `mcp_2026_07_28` feature is off by default). */
const CODEX_ERA = '2025-06-18';

describe('Codex CLI 0.169.1 signs in and calls whoami (dev IdP, Streamable HTTP)', () => {
  let tenant: DevTenant;

  before(async () => {
    tenant = await startDevTenant();
  });
  after(async () => {
    await tenant?.close();
  });

  /** Status and a whoami call through a fresh app-server: alice's sub, in Codex's era. */
  async function whoamiThroughAppServer(home: CodexHome): Promise<void> {
    const app: AppServer = await home.appServer();
    try {
      const status = await app.status('whoami');
      assert.equal(status.authStatus, 'oAuth', JSON.stringify(status));
      assert.deepEqual(Object.keys(status.tools), ['whoami']);
      const result = await app.callTool('whoami', 'whoami');
      assert.equal(result.isError ?? false, false, `${JSON.stringify(result)}\n${app.log().slice(-3000)}`);
      const claims = whoamiClaims(result);
      assertIdentity(claims, ALICE);
      assert.equal(claims['aud'], tenant.resources.mcp);
      const versions = app.negotiatedVersions();
      assert.ok(versions.length > 0, `codex logged no negotiated version:\n${app.log().slice(-3000)}`);
      assert.deepEqual([...new Set(versions)], [CODEX_ERA]);
    } finally {
      await app.close();
    }
  }

  for (const registration of ['dcr', 'client-id'] as const) {
    it(`${registration === 'dcr' ? '--oauth-client-registration dcr' : '--oauth-client-id (pre-registered Native app)'}: mcp add signs in, app-server calls whoami; logout, mcp login, whoami again`, async () => {
      const callbackPort = await freePort();
      const home = await CodexHome.create(callbackPort);
      try {
        const clientId = registration === 'client-id' ? await tenant.registerApp('Codex CLI (pre-registered)', 'Native', [home.redirectUri]) : undefined;
        const flags = clientId === undefined ? ['--oauth-client-registration', 'dcr'] : ['--oauth-client-id', clientId];
        const authorize = async (url: URL) => (await authorizeHeadless(url, home.redirectUri, ALICE)).callbackUrl;

        const added = await home.signIn(['mcp', 'add', 'whoami', '--url', tenant.server.mcpUrl, ...flags], authorize);
        assert.match(added.output, /Detected OAuth support/);
        const authorization = added.authorizationUrl;
        assert.equal(authorization.origin + authorization.pathname, `${tenant.idp.issuer}/auth`);
        assert.equal(authorization.searchParams.get('redirect_uri'), home.redirectUri);
        assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(authorization.searchParams.get('resource'), tenant.resources.mcp, 'codex sends the resource /mcp announces');
        const usedClientId = authorization.searchParams.get('client_id');
        if (clientId !== undefined) assert.equal(usedClientId, clientId);
        else assert.ok(usedClientId && !usedClientId.startsWith('https://'), `a dynamically registered client, not a metadata document URL: ${usedClientId}`);
        const config = await home.config();
        assert.match(config, /\[mcp_servers\.whoami\]\s*\nurl = "http:\/\/localhost:\d+\/mcp"/);
        if (clientId !== undefined) assert.ok(config.includes(clientId), `config.toml keeps the client id:\n${config}`);

        await whoamiThroughAppServer(home);

        const loggedOut = await home.run(['mcp', 'logout', 'whoami']);
        assert.equal(loggedOut.code, 0, loggedOut.stderr);
        const app = await home.appServer();
        try {
          assert.equal((await app.status('whoami')).authStatus, 'notLoggedIn');
        } finally {
          await app.close();
        }

        const login = await home.signIn(['mcp', 'login', 'whoami', ...(clientId === undefined ? ['--oauth-client-registration', 'dcr'] : [])], authorize);
        assert.equal(login.authorizationUrl.searchParams.get('resource'), tenant.resources.mcp);
        if (clientId !== undefined) assert.equal(login.authorizationUrl.searchParams.get('client_id'), clientId, 'mcp login uses the client id mcp add stored');
        await whoamiThroughAppServer(home);
      } finally {
        await home.close();
      }
    });
  }
});
