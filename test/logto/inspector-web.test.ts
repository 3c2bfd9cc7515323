/**
 * MCP Inspector 2.x web UI in Chromium against the real Logto: the Logto single-page app's ID entered as
 * the server's OAuth Client ID (Logto has no dynamic registration), connect; Inspector gets our 401,
 * discovers our metadata and Logto; the browser lands on Logto's REAL sign-in page (/sign-in, its
 * experience app); alice signs in there; back in Inspector, run whoami. Streamable HTTP and SSE, and
 * Streamable HTTP with the server's Protocol Era setting on `modern` (2026-07-28 pinned; the server's
 * request log must show every authenticated /mcp request served by that era).
 * And a newcomer's first try, literally as docs/clients.md § MCP Inspector writes it: Inspector on a free
 * non-default port opened through the link it prints (127.0.0.1), Add Servers → Add manually →
 * streamable-http → URL, the Redirect URI read from the card's Settings → OAuth Settings, `--setup` and
 * `--doctor` with that redirect URI (the tenant has nothing for this server before), the App ID as
 * Client ID, Protocol Era Modern, connect, Logto's sign-in page, whoami.
 * Holds /tmp/inspector.lock (Inspector's ports are fixed). Screenshots: artifacts/logto-inspector-web-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchFreshBrowser, type FreshBrowser } from '../interop/helpers/browser.js';
import { startInspectorWeb, tempHome, type InspectorWeb } from '../interop/helpers/inspector.js';
import { LOST_RESUME_STATE_MAX_ATTEMPTS, LostResumeState, throwIfResumeStateLost, traceInspectorOAuth } from '../interop/helpers/inspector-oauth-trace.js';
import { addServer, addServerManually, applySettings, claimsFromText, connect, readRedirectUri, STEP_TIMEOUT, type ProtocolEra } from '../interop/helpers/inspector-ui.js';
import { startServer } from '../../src/start/start-server.js';
import { freePort, LogCapture } from '../support/harness.js';
import { doctorJson, runTenant } from '../support/tenant-command.js';
import { logtoHooks } from './support/hooks.js';
import { ARTIFACTS, interopTools } from '../interop/helpers/tools.js';
import { logtoServerHooks } from './support/hooks.js';
import { inspectorLockHooks } from './support/inspector-lock.js';
import { signInOnLogtoPage } from './support/sign-in-page.js';
import type { LogtoServer, Suite } from './support/suite.js';

type Transport = 'http' | 'sse';

describe('MCP Inspector web UI against the real Logto (its real sign-in page)', () => {
  before(() => {
    interopTools();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  const fixture = logtoServerHooks();
  inspectorLockHooks();

  for (const [transport, era] of [['http', undefined], ['sse', undefined], ['http', 'modern']] as const) {
    const slug = `logto-inspector-web-${transport}${era ? `-${era}` : ''}`;
    it(`${transport === 'http' ? 'Streamable HTTP' : 'SSE'}${era ? `, protocol era ${era}` : ''}: pre-registered Logto app, sign in on Logto's page, run whoami`, async (t) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await attemptScenario(fixture.suite, fixture.server, transport, era, slug, attempt);
          return;
        } catch (error) {
          // Only that race is retried, from scratch; any other failure fails the test.
          if (!(error instanceof LostResumeState) || attempt >= LOST_RESUME_STATE_MAX_ATTEMPTS) throw error;
          t.diagnostic(`attempt ${attempt}: ${error.message}; retrying from scratch`);
        }
      }
    });
  }
});

async function attemptScenario(suite: Suite, server: LogtoServer, transport: Transport, era: ProtocolEra | undefined, slug: string, attempt: number): Promise<void> {
  const fromLog = server.logs.chunks.length;
  const home = tempHome('logto-inspector-web-');
  let inspector: InspectorWeb | undefined;
  let browser: FreshBrowser | undefined;
  const pageLog: string[] = [];
  try {
    inspector = await startInspectorWeb(home.dir, `logto-${process.pid}-${Date.now()}`);
    browser = await launchFreshBrowser();
    await traceInspectorOAuth(browser.context);
    browser.page.on('response', (r) => {
      if (!r.url().includes('/assets/')) pageLog.push(`HTTP ${r.status()} ${r.request().method()} ${r.url().slice(0, 200)}`);
    });
    await runScenario(browser.page, inspector, suite, server, transport, era, () => server.logs.mcpErasSince(fromLog));
    await browser.page.screenshot({ path: join(ARTIFACTS, `${slug}.png`) });
  } catch (error) {
    if (browser) {
      const base = join(ARTIFACTS, `${slug}-attempt${attempt}-failure`);
      await browser.page.screenshot({ path: `${base}.png` }).catch(() => undefined);
      const text = await browser.page.locator('body').innerText().catch(() => '');
      writeFileSync(`${base}.txt`, `${String(error)}\n\n${browser.page.url()}\n\n${text}\n\n--- browser ---\n${pageLog.join('\n')}\n\n--- inspector ---\n${inspector?.process.output() ?? ''}`);
    }
    throw error;
  } finally {
    await browser?.close();
    await inspector?.stop();
    home.remove();
  }
}

async function runScenario(
  page: Page,
  inspector: InspectorWeb,
  suite: Suite,
  server: LogtoServer,
  transport: Transport,
  era: ProtocolEra | undefined,
  erasSoFar: () => Array<string | undefined>,
): Promise<void> {
  const { alice, inspectorApp } = suite.tenant;
  const serverUrl = transport === 'http' ? server.mcpUrl : server.sseUrl;
  const logtoOrigin = new URL(suite.logto.endpoint).origin;
  const authorizationRequests: URL[] = [];
  const signInPages: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === logtoOrigin && url.pathname === '/oidc/auth' && url.searchParams.has('client_id')) authorizationRequests.push(url);
    if (url.origin === logtoOrigin && url.pathname === '/sign-in' && request.isNavigationRequest()) signInPages.push(url.href);
  });

  await page.goto(`${inspector.origin}/?MCP_INSPECTOR_API_TOKEN=${inspector.token}`, { waitUntil: 'domcontentloaded' });
  await addServer(page, 'logto-whoami', transport, serverUrl, { clientId: inspectorApp.id, ...(era ? { protocolEra: era } : {}) });

  // Logto's own sign-in page (the experience app), then back to Inspector's /oauth/callback.
  await signInOnLogtoPage(page, alice, inspector.origin, STEP_TIMEOUT);
  // Back on Inspector's /oauth/callback (loaded), which exchanges the code and reconnects — unless it
  // found no resume state (Inspector 2.12's race): then it never will, so say so at once.
  await page.waitForURL((url) => url.origin === inspector.origin, { timeout: STEP_TIMEOUT });
  await throwIfResumeStateLost(page);
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: STEP_TIMEOUT });

  assert.ok(signInPages.length > 0, "the browser went through Logto's /sign-in page");
  const authorization = authorizationRequests[0];
  assert.ok(authorization, "Inspector sent the browser to Logto's authorization endpoint");
  assert.equal(authorization.searchParams.get('client_id'), inspectorApp.id);
  const resource = transport === 'http' ? server.advertisedResources.mcp : server.advertisedResources.sse;
  assert.equal(authorization.searchParams.get('resource'), resource, "RFC 8707 resource is the one the endpoint's metadata advertises");
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');

  await page.getByText('Tools', { exact: true }).first().click();
  await page.locator('[data-testid="tools-screen"]').getByRole('button', { name: /^Who am I\?/ }).click({ timeout: STEP_TIMEOUT });
  await page.getByRole('button', { name: 'Execute Tool' }).click({ timeout: STEP_TIMEOUT });
  const results = page.locator('[data-testid="tools-screen"]');
  await results.getByText(alice.id).first().waitFor({ timeout: STEP_TIMEOUT });
  const claims = claimsFromText(await results.innerText());
  assert.equal(claims['sub'], alice.id);
  assert.equal(claims['aud'], resource);

  if (transport === 'http') {
    // Which era served every authenticated /mcp request, in our server's own words.
    const eras = erasSoFar();
    assert.ok(eras.length > 0, 'our server logged the authenticated /mcp requests');
    assert.deepEqual([...new Set(eras)], [era === 'modern' ? '2026-07-28' : '2025'], `eras that served /mcp: ${eras.join(', ')}`);
  }
}

describe("a newcomer's first try: Inspector on a non-default port, the steps of docs/clients.md", () => {
  before(() => {
    interopTools();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  const fixture = logtoHooks();
  inspectorLockHooks();

  it('setup and doctor with the Redirect URI Inspector shows, Client ID, Protocol Era Modern, connect, sign in, whoami', async (t) => {
    const { suite } = fixture;
    const port = await freePort();
    const logs = new LogCapture();
    // No PUBLIC_URL, no MCP_RESOURCE, no REQUIRED_SCOPES: what `npm start` with LOGTO_ENDPOINT in .env runs.
    const server = await startServer({ LOGTO_ENDPOINT: suite.logto.endpoint, PORT: String(port), LOG_LEVEL: 'debug' }, { logDestination: logs, banner: false });
    const env = {
      LOGTO_ENDPOINT: suite.logto.endpoint,
      PORT: String(port),
      LOGTO_M2M_APP_ID: suite.logto.m2mAppId,
      LOGTO_M2M_APP_SECRET: suite.logto.m2mAppSecret,
      LOGTO_MANAGEMENT_API_RESOURCE: suite.logto.managementApiResource,
    };
    try {
      await server.ready;
      for (let attempt = 1; ; attempt++) {
        try {
          await newcomerAttempt(suite, server.mcpUrl, env, logs, attempt);
          return;
        } catch (error) {
          if (!(error instanceof LostResumeState) || attempt >= LOST_RESUME_STATE_MAX_ATTEMPTS) throw error;
          t.diagnostic(`attempt ${attempt}: ${error.message}; retrying from scratch`);
        }
      }
    } finally {
      await server.close();
    }
  });
});

async function newcomerAttempt(suite: Suite, mcpUrl: string, env: Record<string, string>, logs: LogCapture, attempt: number): Promise<void> {
  const slug = 'logto-inspector-web-newcomer';
  const fromLog = logs.chunks.length;
  const home = tempHome('logto-inspector-newcomer-');
  let inspector: InspectorWeb | undefined;
  let browser: FreshBrowser | undefined;
  try {
    // 1. Inspector on another port (CLIENT_PORT), its own default host; open the link it prints.
    inspector = await startInspectorWeb(home.dir, `newcomer-${process.pid}-${Date.now()}`, await freePort(), 'default');
    assert.notEqual(new URL(inspector.link).port, '6274');
    browser = await launchFreshBrowser();
    await traceInspectorOAuth(browser.context);
    const page = browser.page;
    await page.goto(inspector.link, { waitUntil: 'domcontentloaded' });

    // 2. Add Servers → Add manually → streamable-http → URL.
    await addServerManually(page, 'logto-whoami', 'http', mcpUrl);
    // 3. Settings → OAuth Settings → Redirect URI: what Inspector will send, from the address it was opened at.
    const redirectUri = await readRedirectUri(page, 'logto-whoami');
    assert.equal(redirectUri, `${inspector.origin}/oauth/callback`);

    // 4. npm run setup -- --redirect-uri …, then npm run doctor -- --app-id … --redirect-uri … (the same command in-process).
    const setup = await runTenant(['--setup', '--json', '--redirect-uri', redirectUri], env);
    assert.equal(setup.code, 0, setup.err);
    const appId = (JSON.parse(setup.out) as { appId?: string }).appId;
    assert.ok(appId, setup.out);
    const doctor = await doctorJson(env, '--app-id', appId, '--redirect-uri', redirectUri);
    assert.equal(doctor.code, 0, JSON.stringify(doctor.result.checks, null, 2));
    assert.equal(doctor.result.checks.find((c) => c.id === 'tenant.app')?.status, 'ok');

    // 5. Client ID = the App ID; Options → Protocol Era → Modern; Close saves. 6. Connect.
    await applySettings(page, 'logto-whoami', { clientId: appId, protocolEra: 'modern' });
    const logtoOrigin = new URL(suite.logto.endpoint).origin;
    const authorizations: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === logtoOrigin && url.pathname === '/oidc/auth' && url.searchParams.has('client_id')) authorizations.push(url);
    });
    await connect(page, 'logto-whoami');
    await signInOnLogtoPage(page, suite.tenant.alice, inspector.origin, STEP_TIMEOUT);
    await page.waitForURL((url) => url.origin === inspector!.origin, { timeout: STEP_TIMEOUT });
    await throwIfResumeStateLost(page);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(authorizations[0]?.searchParams.get('client_id'), appId);
    assert.equal(authorizations[0]?.searchParams.get('redirect_uri'), redirectUri);
    assert.equal(authorizations[0]?.searchParams.get('resource'), `${new URL(mcpUrl).origin}/mcp`);

    await page.getByText('Tools', { exact: true }).first().click();
    await page.locator('[data-testid="tools-screen"]').getByRole('button', { name: /^Who am I\?/ }).click({ timeout: STEP_TIMEOUT });
    await page.getByRole('button', { name: 'Execute Tool' }).click({ timeout: STEP_TIMEOUT });
    const results = page.locator('[data-testid="tools-screen"]');
    await results.getByText(suite.tenant.alice.id).first().waitFor({ timeout: STEP_TIMEOUT });
    const claims = claimsFromText(await results.innerText());
    assert.equal(claims['sub'], suite.tenant.alice.id);
    assert.equal(claims['aud'], `${new URL(mcpUrl).origin}/mcp`);
    const eras = logs.mcpErasSince(fromLog);
    assert.ok(eras.length > 0 && eras.every((e) => e === '2026-07-28'), `eras that served /mcp: ${eras.join(', ')}`);
    await page.screenshot({ path: join(ARTIFACTS, `${slug}.png`) });
  } catch (error) {
    if (browser) {
      const base = join(ARTIFACTS, `${slug}-attempt${attempt}-failure`);
      await browser.page.screenshot({ path: `${base}.png` }).catch(() => undefined);
      const text = await browser.page.locator('body').innerText().catch(() => '');
      writeFileSync(`${base}.txt`, `${String(error)}\n\n${browser.page.url()}\n\n${text}\n\n--- inspector ---\n${inspector?.process.output() ?? ''}`);
    }
    throw error;
  } finally {
    await browser?.close();
    await inspector?.stop();
    home.remove();
  }
}
