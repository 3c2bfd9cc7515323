/**
 * MCP Inspector 2.x web UI in Chromium against the real Logto: the Logto single-page app's ID entered as
 * the server's OAuth Client ID (Logto has no dynamic registration), connect; Inspector gets our 401,
 * discovers our metadata and Logto; the browser lands on Logto's REAL sign-in page (/sign-in, its
 * experience app); alice signs in there; back in Inspector, run whoami. Streamable HTTP and SSE, and
 * Streamable HTTP with the server's Protocol Era setting on `modern` (2026-07-28 pinned; the server's
 * request log must show every authenticated /mcp request served by that era).
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
import { addServer, claimsFromText, STEP_TIMEOUT, type ProtocolEra } from '../interop/helpers/inspector-ui.js';
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
    assert.deepEqual([...new Set(eras)], [era === 'modern' ? 'modern' : 'legacy'], `eras that served /mcp: ${eras.join(', ')}`);
  }
}
