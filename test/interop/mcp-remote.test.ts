/**
 * mcp-remote 0.15.1 — the stdio bridge desktop MCP clients use to reach remote servers — signs in
 * to our server and calls whoami, over Streamable HTTP and over SSE, with dynamic client
 * registration and with a pre-registered client (`--static-oauth-client-info`).
 *
 * mcp-remote runs on Node 22 as a child process driven by the SDK's stdio client. Its browser step
 * goes through the `open` package (xdg-open → $BROWSER): BROWSER is a script that records the
 * authorization URL, and the test signs alice in headlessly (test/support/authorize-headless.ts)
 * and delivers the redirect to mcp-remote's callback server. Each run has its own
 * MCP_REMOTE_CONFIG_DIR, so no token or registration is shared between runs.
 *
 * This is the client that needs the canonical resource: it sends the metadata's `resource` through
 * WHATWG URL (`http://localhost:<port>/`), and the IdP matches API identifiers exactly.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { freePort } from '../support/harness.js';
import { ALICE, whoamiClaims } from './helpers/our-server.js';
import { interopTools, ROOT } from './helpers/tools.js';

const silent = { error() {}, warn() {}, info() {} };
const BROWSER = join(ROOT, 'test/interop/fixtures/record-browser.sh');

describe('mcp-remote 0.15.1 (stdio bridge) signs in and calls whoami', () => {
  let idp: DevIdp;
  let server: RunningServer;
  let m2mToken: string;

  before(async () => {
    const port = await freePort();
    // The resource exactly as the server announces it (origin-only → trailing slash).
    idp = await startDevIdp({ port: 0, resources: { [`http://localhost:${port}/`]: ['whoami:read'] }, logger: silent });
    server = await startServer({ PORT: String(port), LOGTO_ENDPOINT: idp.origin, LOG_LEVEL: process.env['INTEROP_LOG_LEVEL'] ?? 'silent' }, { banner: false });
    await server.ready;
    assert.equal(server.resource, `http://localhost:${port}/`);
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
        const tools = interopTools();
        const dir = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
        const urls = join(dir, 'browser-urls.txt');
        const callbackPort = await freePort();
        const redirectUri = `http://localhost:${callbackPort}/oauth/callback`;
        const endpoint = transport === 'http-only' ? server.mcpUrl : server.sseUrl;
        const args = [tools.mcpRemote, endpoint, String(callbackPort), '--transport', transport];
        if (registration === 'static') args.push('--static-oauth-client-info', JSON.stringify({ client_id: await registerApp(redirectUri) }));
        let stderr = '';
        const stdio = new StdioClientTransport({
          command: tools.node22,
          args,
          env: { PATH: process.env['PATH'] ?? '', HOME: dir, MCP_REMOTE_CONFIG_DIR: join(dir, 'config'), BROWSER, RECORD_BROWSER_FILE: urls },
          stderr: 'pipe',
        });
        stdio.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const client = new Client({ name: 'mcp-remote-interop', version: '1.0.0' });
        try {
          const connecting = client.connect(stdio, { timeout: 120_000 });
          connecting.catch(() => {});
          // The browser step: wait (bounded) for the URL mcp-remote "opened".
          let authorizeUrl: string | undefined;
          for (let i = 0; i < 600 && !authorizeUrl; i++) {
            if (existsSync(urls)) authorizeUrl = readFileSync(urls, 'utf8').split('\n').find((u) => u.includes('/auth?'));
            if (!authorizeUrl) await sleep(100);
          }
          assert.ok(authorizeUrl, `mcp-remote opened no authorization URL within 60 s:\n${stderr.slice(-3000)}`);
          const url = new URL(authorizeUrl);
          assert.equal(url.searchParams.get('resource'), server.resource, 'mcp-remote sends the canonical resource');
          if (registration === 'static') assert.equal(url.searchParams.get('client_id'), JSON.parse(args.at(-1)!).client_id);
          const signedIn = await authorizeHeadless(url, redirectUri, ALICE);
          const delivered = await fetch(signedIn.callbackUrl);
          await delivered.body?.cancel();
          assert.equal(delivered.status, 200, 'mcp-remote took the authorization code');
          await connecting;

          const result = await client.callTool({ name: 'whoami', arguments: {} });
          assert.equal(result.isError ?? false, false, JSON.stringify(result));
          assert.equal(whoamiClaims(result)['sub'], ALICE.sub);
        } catch (error) {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- mcp-remote stderr ---\n${stderr.slice(-4000)}`, { cause: error });
        } finally {
          await client.close().catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
