/**
 * The CLI with an app registered by hand, as with Logto (no dynamic registration): the dev IdP's
 * Logto-shaped Management API creates a Single page app whose only redirect URI is
 * http://127.0.0.1:N/callback (matched exactly, as Logto matches an SPA's). `login --client-id --port N`
 * keeps N; a later step-up (403 insufficient_scope) signs in on N again instead of a new random port the
 * IdP would refuse. And an authorization response carrying `error=` (a resource the IdP does not know:
 * invalid_target) shows an error page in the browser and exits non-zero naming the error, its
 * description, the API identifier that must exist and --doctor. All real HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenBrowser } from '../../src/cli/browser.js';
import type { ServerRecord } from '../../src/cli/store.js';
import { loadConfig } from '../../src/config.js';
import { DEV_USERS, getDevToken, startDevIdp, type DevIdp } from '../../src/dev-idp/index.js';
import { createApplication } from '../../src/tenant/applications.js';
import { managementClientFromConfig } from '../../src/logto/management-client.js';
import { startServer, type RunningServer } from '../../src/start/start-server.js';
import { authorizeHeadless } from '../support/authorize-headless.js';
import { runCliIn, type CliRun } from '../support/cli-run.js';
import { freePort } from '../support/harness.js';

const alice = DEV_USERS.find((u) => u.username === 'alice')!;
const silent = { info() {}, warn() {}, error() {} };

describe('CLI with a pre-registered app (the Logto recipe: --client-id and --port)', () => {
  let idp: DevIdp;
  let server: RunningServer;
  /** A server whose resource the IdP does not know: every sign-in ends in error=invalid_target. */
  let unknown: RunningServer;
  /** Requires a scope its API resource does not offer: no sign-in can satisfy it. */
  let overreaching: RunningServer;
  let configHome: string;
  let appId: string;
  let callbackPort: number;
  const signIns: URL[] = [];

  /** alice at a browser: signs in, authorizes, and the browser follows the redirect to the CLI. */
  const asAlice: OpenBrowser = async (url) => {
    const authorization = new URL(url);
    signIns.push(authorization);
    const { callbackUrl } = await authorizeHeadless(authorization, authorization.searchParams.get('redirect_uri') ?? '', alice);
    await (await fetch(callbackUrl, { signal: AbortSignal.timeout(15_000) })).body?.cancel();
    return true;
  };
  const cli = (argv: string[], openBrowser: OpenBrowser = asAlice): Promise<CliRun> => runCliIn(configHome, argv, { callbackTimeoutMs: 10_000, openBrowser });

  const recordOf = async (serverUrl: string): Promise<{ path: string; record: ServerRecord }> => {
    const dir = join(configHome, 'logto-whoami-mcp');
    for (const name of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
      const record = JSON.parse(await readFile(join(dir, name), 'utf8')) as ServerRecord;
      if (record.serverUrl === new URL(serverUrl).href) return { path: join(dir, name), record };
    }
    throw new Error(`nothing stored for ${serverUrl}`);
  };

  before(async () => {
    configHome = await mkdtemp(join(tmpdir(), 'cli-registered-'));
    const port = await freePort();
    const port2 = await freePort();
    callbackPort = await freePort();
    // Every spelling a server on `port` may announce (origin, or per endpoint): this test is about the client.
    const base = `http://localhost:${port}`;
    const base2 = `http://localhost:${port2}`;
    const resources = Object.fromEntries([base, base2].flatMap((b) => [`${b}/`, `${b}/mcp`, `${b}/sse`].map((r) => [r, ['whoami:read']])));
    idp = await startDevIdp({ port: 0, logger: silent, resources });
    const common = { LOGTO_ENDPOINT: idp.origin, HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEV_IDP_PORT: '0' };
    server = await startServer({ ...common, PORT: String(port), REQUIRED_SCOPES: 'whoami:read', TOKEN_VALIDATION: 'jwt' }, { banner: false });
    unknown = await startServer({ ...common, PORT: '0' }, { banner: false });
    overreaching = await startServer({ ...common, PORT: String(port2), REQUIRED_SCOPES: 'whoami:read whoami:admin', TOKEN_VALIDATION: 'jwt' }, { banner: false });
    await Promise.all([server.ready, unknown.ready, overreaching.ready]);

    const management = managementClientFromConfig(
      loadConfig({ LOGTO_ENDPOINT: idp.origin, LOGTO_M2M_APP_ID: idp.m2m.appId, LOGTO_M2M_APP_SECRET: idp.m2m.appSecret, LOGTO_MANAGEMENT_API_RESOURCE: idp.m2m.resource }),
    )!;
    const app = await createApplication(management.api, {
      name: 'CLI (registered by hand)',
      type: 'SPA',
      description: 'exact redirect URI match, as Logto does for a Single page app',
      redirectUris: [`http://127.0.0.1:${callbackPort}/callback`],
    });
    appId = app.id;
  });
  after(async () => {
    await Promise.all([server?.close(), unknown?.close(), overreaching?.close()]);
    await idp?.close();
    await rm(configHome, { recursive: true, force: true });
  });

  it('login --client-id --port N: the sign-in redirects to 127.0.0.1:N, and the record keeps that redirect URI', async () => {
    const run = await cli(['login', server.mcpUrl, '--client-id', appId, '--port', String(callbackPort)]);
    assert.equal(run.code, 0, run.err);
    assert.equal(signIns.at(-1)?.searchParams.get('redirect_uri'), `http://127.0.0.1:${callbackPort}/callback`);
    const { record } = await recordOf(server.mcpUrl);
    assert.equal(record.client?.kind, 'pre-registered');
    assert.deepEqual((record.client as { redirect_uris?: string[] }).redirect_uris, [`http://127.0.0.1:${callbackPort}/callback`]);
  });

  it('a step-up (403 insufficient_scope) without --port signs in on the registered port again and calls whoami', async () => {
    // A token of alice for the same resource without whoami:read, as a user whose role lacked it would have.
    const { path, record } = await recordOf(server.mcpUrl);
    const weak = (await getDevToken({ issuer: idp.issuer, username: alice.username, password: alice.password, resource: record.resource!, scope: 'openid' })).access_token;
    await writeFile(path, JSON.stringify({ ...record, tokens: { ...record.tokens, access_token: weak, requested_scope: 'openid', scope: 'openid' } }), { mode: 0o600 });
    const before = signIns.length;
    const run = await cli(['whoami', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /needs scope "whoami:read"; signing in again/);
    assert.equal(signIns.length, before + 1, 'one step-up sign-in');
    assert.equal(signIns.at(-1)?.searchParams.get('redirect_uri'), `http://127.0.0.1:${callbackPort}/callback`, 'the registered port, not a new one');
    assert.match(signIns.at(-1)?.searchParams.get('scope') ?? '', /whoami:read/);
    assert.equal((JSON.parse(run.out) as Record<string, unknown>)['sub'], alice.sub);
  });

  it('the registered port taken: an error naming it at once, not a sign-in on another port', async () => {
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(callbackPort, '127.0.0.1', resolve));
    try {
      const { path, record } = await recordOf(server.mcpUrl);
      const { tokens: _dropped, ...signedOut } = record;
      await writeFile(path, JSON.stringify(signedOut), { mode: 0o600 });
      const before = signIns.length;
      const run = await cli(['whoami', server.mcpUrl]);
      assert.equal(run.code, 1);
      assert.match(run.err, new RegExp(`port_in_use.*callback port ${callbackPort} is in use`));
      assert.equal(signIns.length, before, 'no browser opened');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('error=invalid_target at the callback: an error page (not "Signed in"), exit 1 with the error, its description, the API identifier and --doctor', async () => {
    let page: { status: number; body: string } | undefined;
    let browsing: Promise<unknown> = Promise.resolve();
    // The browser's page arrives once the CLI has decided (the listener holds it): awaited after the run.
    const followsRedirect: OpenBrowser = (url) => (browsing = browse(url)).then(() => true);
    const browse = async (url: string) => {
      // The IdP refuses the resource before any login and redirects with error= to the CLI's listener.
      const answer = await fetch(url, { redirect: 'manual' });
      const location = new URL(answer.headers.get('location') ?? '', url);
      assert.equal(location.searchParams.get('error'), 'invalid_target');
      const callback = await fetch(location);
      page = { status: callback.status, body: await callback.text() };
    };
    const run = await cli(['login', unknown.mcpUrl], followsRedirect);
    await browsing;
    assert.equal(run.code, 1, run.err);
    assert.match(run.err, /error \(invalid_target\): Authorization failed: invalid_target \(.+\)\./);
    assert.ok(run.err.includes(`API identifier ${unknown.resources.mcp}`), run.err);
    assert.match(run.err, /--doctor/);
    assert.ok(page, `the browser got a page; the CLI said: ${run.err}`);
    assert.equal(page.status, 400);
    assert.match(page.body, /Sign-in failed/);
    assert.match(page.body, /invalid_target/);
    assert.doesNotMatch(page.body, /Signed in/);
  });

  it('a scope no sign-in grants: one sign-in, then exit 1 naming the scope, the role to give and --doctor', async () => {
    const before = signIns.length;
    const run = await cli(['whoami', overreaching.mcpUrl, '--client-id', appId, '--port', String(callbackPort)]);
    assert.equal(run.code, 1, run.err);
    assert.equal(signIns.length, before + 1, 'one sign-in, already for the challenged scope: no step-up loop');
    assert.match(run.err, /error \(insufficient_scope\): The server needs scope "whoami:read whoami:admin", and the authorization server did not grant it/);
    assert.match(run.err, /give the user a role with whoami:read, whoami:admin/);
    assert.match(run.err, /--doctor/);
  });
});
