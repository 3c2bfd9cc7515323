/**
 * MCP Inspector 2.x web UI (on Node 22), driven in Debian's Chromium through the whole login:
 * open Inspector, give it our server URL and transport, connect; Inspector gets the 401, discovers
 * our protected-resource metadata and the dev IdP; the browser lands on the dev IdP's sign-in page;
 * alice signs in and consents; back in Inspector, list tools and run whoami. For Streamable HTTP
 * and SSE, each with dynamic client registration (Inspector's deep link) and with the dev IdP's
 * pre-registered client ID `mcp-inspector` (entered in the server's OAuth settings, the way a Logto
 * tenant without dynamic registration is used). Screenshots: artifacts/inspector-web-*.png.
 * Streamable HTTP also with the server's *Protocol Era* setting (Server Settings → Options; the deep
 * link has no era parameter) on `modern` (2026-07-28 pinned) and `auto`: the era that served each
 * request comes from the server's request log, the JSON-RPC methods from what the page asked
 * Inspector's backend to send.
 *
 * Each scenario gets a fresh Inspector (its own HOME: no stored OAuth state) and a fresh browser
 * profile (no IdP session), so every run goes through sign-in and consent.
 * Set INTEROP_DEBUG=1 to keep the browser's request/console log of passing runs too.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchFreshBrowser, type FreshBrowser } from './helpers/browser.js';
import { assertIdentity } from './helpers/identity.js';
import { startInspectorWeb, tempHome, type InspectorWeb } from './helpers/inspector.js';
import { inspectorOAuthTrace, LOST_RESUME_STATE_MAX_ATTEMPTS, LostResumeState, throwIfResumeStateLost, traceInspectorOAuth } from './helpers/inspector-oauth-trace.js';
import { ALICE, startOurServer, type RunningServer } from './helpers/our-server.js';
import { addServer, claimsFromText, STEP_TIMEOUT, type ProtocolEra } from './helpers/inspector-ui.js';
import { ARTIFACTS, interopTools } from './helpers/tools.js';
import { LogCapture } from '../support/harness.js';

type Transport = 'http' | 'sse';
type Registration = 'dynamic' | 'pre-registered';
const PRE_REGISTERED_CLIENT_ID = 'mcp-inspector';

interface Scenario {
  transport: Transport;
  registration: Registration;
  /** The server's Protocol Era setting; unset: Inspector's default (legacy) and, for DCR, the deep link. */
  era?: ProtocolEra;
}
const SCENARIOS: readonly Scenario[] = [
  { transport: 'http', registration: 'dynamic' },
  { transport: 'http', registration: 'pre-registered' },
  { transport: 'sse', registration: 'dynamic' },
  { transport: 'sse', registration: 'pre-registered' },
  { transport: 'http', registration: 'dynamic', era: 'modern' },
  { transport: 'http', registration: 'pre-registered', era: 'modern' },
  { transport: 'http', registration: 'dynamic', era: 'auto' },
];

function scenarioName({ transport, registration, era }: Scenario): string {
  return [
    transport === 'http' ? 'Streamable HTTP' : 'SSE',
    ...(era ? [`protocol era ${era}`] : []),
    registration === 'dynamic' ? 'dynamic registration' : 'pre-registered client ID',
  ].join(', ');
}

describe('MCP Inspector web UI in Chromium, full OAuth login', () => {
  let server: RunningServer;
  const logs = new LogCapture();
  before(async () => {
    interopTools(); // install outside the per-test timeouts
    mkdirSync(ARTIFACTS, { recursive: true });
    // `info`: one line per answered request, naming the era that served it (401s are debug, not logged).
    server = await startOurServer({ LOG_LEVEL: 'info' }, logs);
  });
  after(async () => {
    await server?.close();
    process.stdout.write(`inspector-web: ${lostResumeStateRetries} retr${lostResumeStateRetries === 1 ? 'y' : 'ies'} in all for Inspector's lost OAuth resume state\n`);
  });

  for (const scenario of SCENARIOS) {
    const slug = `inspector-web-${scenario.transport}-${scenario.registration}${scenario.era ? `-${scenario.era}` : ''}`;
    it(`${scenarioName(scenario)}: sign in as alice, run whoami`, async (t) => {
      // Retried only for Inspector 2.12's own race (LostResumeState, helpers/inspector-oauth-trace.ts;
      // docs/interop.md, "Inspector 2.12 loses its OAuth resume state"), from scratch, and counted. Any other failure fails the test.
      // Every failed attempt's screenshot and trail stay in artifacts/ (…-attemptN-failure.png/.txt).
      for (const stale of readdirSync(ARTIFACTS).filter((f) => f.startsWith(`${slug}.`) || f.startsWith(`${slug}-attempt`))) {
        rmSync(join(ARTIFACTS, stale));
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await attemptScenario(server, logs, scenario, slug, attempt);
          if (attempt > 1) t.diagnostic(`passed on attempt ${attempt}: ${attempt - 1} retr${attempt === 2 ? 'y' : 'ies'} for Inspector's lost OAuth resume state`);
          return;
        } catch (error) {
          if (!(error instanceof LostResumeState) || attempt >= LOST_RESUME_STATE_MAX_ATTEMPTS) throw error;
          lostResumeStateRetries++;
          t.diagnostic(`attempt ${attempt}: ${error.message}; retrying from scratch`);
          process.stderr.write(`inspector-web: ${slug} attempt ${attempt}: Inspector lost its OAuth resume state (its own race); retrying\n`);
        }
      }
    });
  }
});

let lostResumeStateRetries = 0;

async function attemptScenario(server: RunningServer, logs: LogCapture, scenario: Scenario, slug: string, attempt: number): Promise<void> {
  const fromLog = logs.chunks.length;
  const home = tempHome('interop-inspector-web-');
  let inspector: InspectorWeb | undefined;
  let browser: FreshBrowser | undefined;
  const pageLog: string[] = [];
  try {
    inspector = await startInspectorWeb(home.dir, `interop-${process.pid}-${Date.now()}`);
    browser = await launchFreshBrowser();
    const t0 = Date.now();
    const stamp = (): string => `+${String(Date.now() - t0).padStart(6)}ms`;
    await traceInspectorOAuth(browser.context);
    browser.page.on('framenavigated', (f) => {
      if (f === browser?.page.mainFrame()) pageLog.push(`${stamp()} NAV ${f.url().slice(0, 300)}`);
    });
    browser.page.on('console', (m) => pageLog.push(`${stamp()} ${m.type()}: ${m.text().slice(0, 500)}`));
    browser.page.on('response', (r) => {
      if (r.url().includes('/assets/')) return;
      const line = `${stamp()} HTTP ${r.status()} ${r.request().method()} ${r.url().slice(0, 200)}`;
      // Inspector's backend answer to "connect" says how it took our 401 (auth challenge, or an error).
      if (!r.url().endsWith('/api/mcp/connect')) pageLog.push(line);
      else void r.text().then((body) => pageLog.push(`${line} → ${body.slice(0, 300)}`), () => pageLog.push(line));
    });
    const summary = await runScenario(browser.page, inspector, server, scenario, () => logs.mcpErasSince(fromLog));
    await browser.page.screenshot({ path: join(ARTIFACTS, `${slug}.png`) });
    if (process.env['INTEROP_DEBUG']) writeFileSync(join(ARTIFACTS, `${slug}-debug.txt`), `${summary}\n\n${pageLog.join('\n')}\n\n--- Inspector's OAuth state in sessionStorage ---\n${await inspectorOAuthTrace(browser.page)}`);
  } catch (error) {
    if (browser) {
      const base = join(ARTIFACTS, `${slug}-attempt${attempt}-failure`);
      await browser.page.screenshot({ path: `${base}.png` }).catch(() => undefined);
      const text = await browser.page.locator('body').innerText().catch(() => '');
      const storageTrace = await inspectorOAuthTrace(browser.page);
      writeFileSync(`${base}.txt`, `${String(error)}\n\n${browser.page.url()}\n\n${text}\n\n--- browser ---\n${pageLog.join('\n')}\n\n--- Inspector's OAuth state in sessionStorage ---\n${storageTrace}\n\n--- inspector ---\n${inspector?.process.output() ?? ''}\n${readLog(home.dir)}`);
    }
    throw error;
  } finally {
    await browser?.close();
    await inspector?.stop();
    home.remove();
  }
}

function readLog(home: string): string {
  try {
    return readFileSync(join(home, 'inspector-web.log'), 'utf8').slice(-20_000);
  } catch {
    return '';
  }
}

async function runScenario(page: Page, inspector: InspectorWeb, server: RunningServer, scenario: Scenario, erasSoFar: () => Array<string | undefined>): Promise<string> {
  const { transport, registration, era } = scenario;
  const serverUrl = transport === 'http' ? server.mcpUrl : server.sseUrl;
  const issuer = new URL(server.issuer);
  const authorizationRequests: URL[] = [];
  const serverOrigin = new URL(server.url).origin;
  const browserToServer: string[] = [];
  // The JSON-RPC messages the page asks Inspector's backend to send to our server (its remote transport).
  const sentMethods: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === serverOrigin) browserToServer.push(`${request.method()} ${url.pathname}`);
    if (url.origin === inspector.origin && url.pathname === '/api/mcp/send') {
      const body = request.postDataJSON() as { message?: { method?: string }; protocolVersion?: string } | null;
      if (body?.message?.method) sentMethods.push(`${body.message.method}${body.protocolVersion ? ` (${body.protocolVersion})` : ''}`);
    }
    if (url.origin === issuer.origin && url.pathname === `${issuer.pathname}/auth` && url.searchParams.has('client_id')) authorizationRequests.push(url);
  });

  if (registration === 'dynamic' && !era) {
    // Inspector's deep link: prefills the server URL and transport and connects (autoConnect = the launch token).
    const link = new URL(inspector.origin);
    link.searchParams.set('serverUrl', serverUrl);
    link.searchParams.set('transport', transport);
    link.searchParams.set('autoConnect', inspector.token);
    link.searchParams.set('MCP_INSPECTOR_API_TOKEN', inspector.token);
    await page.goto(link.href, { waitUntil: 'domcontentloaded' });
  } else {
    // By hand, as a Logto user would: the Client ID, and the era (no deep-link parameter sets it).
    await page.goto(`${inspector.origin}/?MCP_INSPECTOR_API_TOKEN=${inspector.token}`, { waitUntil: 'domcontentloaded' });
    await addServer(page, 'logto-whoami', transport, serverUrl, {
      ...(registration === 'pre-registered' ? { clientId: PRE_REGISTERED_CLIENT_ID } : {}),
      ...(era ? { protocolEra: era } : {}),
    });
  }

  // The browser is sent to the dev IdP's sign-in page. (Waiting for the form rather than the URL
  // tolerates Inspector navigating to the authorization URL twice, which it sometimes does for SSE.)
  await page.locator('input[name="username"]').waitFor({ timeout: STEP_TIMEOUT });
  assert.equal(new URL(page.url()).origin, issuer.origin, 'sign-in page is served by the dev IdP');
  await page.locator('input[name="username"]').fill(ALICE.username);
  await page.locator('input[name="password"]').fill(ALICE.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Authorize' }).click({ timeout: STEP_TIMEOUT });

  // Back in Inspector (its /oauth/callback), which exchanges the code and reconnects — unless its
  // callback page found no resume state (LostResumeState): then it never will, so say so at once.
  await page.waitForURL((url) => url.origin === inspector.origin, { timeout: STEP_TIMEOUT });
  const connected = page.locator('[data-testid="connection-status"][data-status="connected"]');
  await throwIfResumeStateLost(page);
  await connected.waitFor({ timeout: STEP_TIMEOUT });

  const authorization = authorizationRequests[0];
  assert.ok(authorization, 'Inspector sent the browser to the dev IdP authorization endpoint');
  assert.equal(authorization.searchParams.get('resource'), transport === 'http' ? server.resources.mcp : server.resources.sse, "RFC 8707 resource is the endpoint's resource");
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  if (registration === 'pre-registered') assert.equal(authorization.searchParams.get('client_id'), PRE_REGISTERED_CLIENT_ID);
  else assert.notEqual(authorization.searchParams.get('client_id'), PRE_REGISTERED_CLIENT_ID, 'a dynamically registered client');

  // Tools tab → whoami → Execute Tool.
  await page.getByText('Tools', { exact: true }).first().click();
  await page.locator('[data-testid="tools-screen"]').getByRole('button', { name: /^Who am I\?/ }).click({ timeout: STEP_TIMEOUT });
  await page.getByRole('button', { name: 'Execute Tool' }).click({ timeout: STEP_TIMEOUT });
  const results = page.locator('[data-testid="tools-screen"]');
  await results.getByText(ALICE.sub).first().waitFor({ timeout: STEP_TIMEOUT });
  assertIdentity(claimsFromText(await results.innerText()), ALICE);
  // Inspector 2.x proxies discovery, registration, token and MCP traffic through its own backend:
  // the page never calls our server, so no ALLOWED_ORIGINS/CORS entry is involved.
  assert.deepEqual(browserToServer, [], 'the browser page made no request to our server');

  const eras = erasSoFar();
  const summary = `methods the page sent through Inspector's backend: ${sentMethods.join(', ')}\neras that served /mcp (server log): ${eras.join(', ')}`;
  if (transport === 'http') {
    // The era that served every authenticated /mcp request, in the server's own words. With the
    // 2026-07-28 era (pinned, or picked by auto) there is no initialize: initialize is 2025-only.
    // Inspector's Protocol Era: `modern` (and `auto` against our server) is 2026-07-28, `legacy` 2025.
    const expected = era === 'modern' || era === 'auto' ? '2026-07-28' : '2025';
    assert.ok(eras.length > 0, 'our server logged the authenticated /mcp requests');
    assert.deepEqual([...new Set(eras)], [expected], `eras that served /mcp: ${eras.join(', ')} (methods sent: ${sentMethods.join(', ')})`);
    const methods = sentMethods.map((m) => m.split(' ')[0]);
    assert.ok(methods.includes('tools/call'), `tools/call went through Inspector's backend: ${sentMethods.join(', ')}`);
    if (expected === '2026-07-28') assert.ok(!methods.includes('initialize'), `no initialize on the 2026-07-28 era: ${sentMethods.join(', ')}`);
  }
  return summary;
}
