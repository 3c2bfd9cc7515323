/**
 * The CLI against the real Logto: `login` with the pre-registered native app, signing in on Logto's
 * real sign-in page in Chromium (the browser itself delivers the code to the CLI's loopback listener),
 * `whoami` over Streamable HTTP and SSE, a refresh without a new sign-in, and `logout` revoking at Logto.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenBrowser } from '../../src/cli/browser.js';
import type { CliDeps } from '../../src/cli/commands.js';
import type { ServerRecord } from '../../src/cli/store.js';
import { launchFreshBrowser } from '../interop/helpers/browser.js';
import { runCliIn, type CliRun } from '../support/cli-run.js';
import { logtoServerHooks } from './support/hooks.js';
import { signInOnLogtoPage } from './support/sign-in-page.js';
import { CLI_PORT, CLI_REDIRECT_URI } from './support/tenant.js';
import { tokenRequest, TokenEndpointError } from './support/tokens.js';

describe('CLI against the real Logto (sign-in on its real page in Chromium)', () => {
  const fixture = logtoServerHooks();
  let configHome: string;
  const signIns: string[] = [];

  /** A person in Chromium at Logto's sign-in page; the browser follows the redirect to the CLI's listener. */
  const browserAsAlice: OpenBrowser = async (url) => {
    signIns.push(url);
    const browser = await launchFreshBrowser();
    try {
      await browser.page.goto(url);
      await signInOnLogtoPage(browser.page, fixture.suite.tenant.alice, CLI_REDIRECT_URI);
    } finally {
      await browser.close();
    }
    return true;
  };
  const cli = (argv: string[], extra: Partial<CliDeps> = {}): Promise<CliRun> => runCliIn(configHome, argv, { callbackTimeoutMs: 90_000, ...extra });

  const recordFile = async (): Promise<string> => {
    for (const name of await readdir(join(configHome, 'logto-whoami-mcp'))) {
      if (!name.endsWith('.json')) continue;
      const path = join(configHome, 'logto-whoami-mcp', name);
      const r = JSON.parse(await readFile(path, 'utf8')) as ServerRecord;
      if (r.serverUrl === new URL(fixture.server.mcpUrl).href) return path;
    }
    throw new Error(`nothing stored for ${fixture.server.mcpUrl}`);
  };
  const record = async (): Promise<ServerRecord> => JSON.parse(await readFile(await recordFile(), 'utf8')) as ServerRecord;
  const login = ['--client-id', '', '--port', String(CLI_PORT)];

  before(async () => {
    configHome = await mkdtemp(join(tmpdir(), 'cli-logto-'));
    login[1] = fixture.suite.tenant.cliApp.id;
  });
  after(async () => {
    await rm(configHome, { recursive: true, force: true });
  });

  it('login: pre-registered native app, the real sign-in page, code exchange with our resource', async () => {
    const { suite, server } = fixture;
    const run = await cli(['login', server.mcpUrl, ...login], { openBrowser: browserAsAlice });
    assert.equal(run.code, 0, run.err);
    assert.equal(signIns.length, 1);
    const authorization = new URL(signIns[0]!);
    assert.equal(authorization.searchParams.get('client_id'), suite.tenant.cliApp.id);
    assert.equal(authorization.searchParams.get('redirect_uri'), CLI_REDIRECT_URI);
    assert.equal(authorization.searchParams.get('resource'), server.advertisedResource);
    const r = await record();
    assert.equal(r.issuer, suite.logto.issuer);
    assert.equal(r.tokens?.access_token.split('.').length, 3, 'a JWT for our resource');
    assert.ok(r.tokens?.refresh_token, `Logto issued a refresh token (requested scope: ${r.tokens?.requested_scope ?? 'none'})`);
  });

  it('whoami over Streamable HTTP names alice, from the stored token (no sign-in)', async () => {
    const { suite, server } = fixture;
    const run = await cli(['whoami', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    const claims = JSON.parse(run.out) as Record<string, unknown>;
    assert.equal(claims['sub'], suite.tenant.alice.id);
    assert.equal(claims['aud'], server.advertisedResource);
  });

  it('whoami over SSE names alice (first use of the SSE URL signs in on the 401, then reuses the token)', async () => {
    const { suite, server } = fixture;
    const run = await cli(['whoami', server.sseUrl, '--transport', 'sse', ...login], { openBrowser: browserAsAlice });
    assert.equal(run.code, 0, run.err);
    assert.equal((JSON.parse(run.out) as Record<string, unknown>)['sub'], suite.tenant.alice.id);
    const again = await cli(['whoami', server.sseUrl, '--transport', 'sse']);
    assert.equal(again.code, 0, again.err);
    assert.equal((JSON.parse(again.out) as Record<string, unknown>)['sub'], suite.tenant.alice.id);
  });

  it('an expired access token is refreshed at Logto without a new sign-in', async () => {
    const { server } = fixture;
    const path = await recordFile();
    const before = await record();
    const signInsBefore = signIns.length;
    await writeFile(path, JSON.stringify({ ...before, tokens: { ...before.tokens, expires_at: Math.floor(Date.now() / 1000) - 5 } }), { mode: 0o600 });
    const run = await cli(['whoami', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /Access token refreshed/);
    const after = await record();
    assert.notEqual(after.tokens?.access_token, before.tokens?.access_token, 'a new access token');
    assert.equal(after.tokens?.access_token.split('.').length, 3, 'still a JWT for our resource');
    assert.equal(signIns.length, signInsBefore, 'no new sign-in');
  });

  it('logout revokes at Logto: the refresh token no longer works', async () => {
    const { suite, server } = fixture;
    const refreshToken = (await record()).tokens?.refresh_token;
    assert.ok(refreshToken);
    const run = await cli(['logout', server.mcpUrl]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /revoked/);
    await assert.rejects(
      tokenRequest(suite.logto.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: suite.tenant.cliApp.id }),
      (error: unknown) => error instanceof TokenEndpointError && error.code === 'invalid_grant',
    );
  });
});
