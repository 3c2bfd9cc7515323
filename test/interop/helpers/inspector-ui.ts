import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

/**
 * MCP Inspector 2.x web UI steps shared by the interop (dev IdP) and real-Logto suites.
 */

export const STEP_TIMEOUT = 30_000;
type Transport = 'http' | 'sse';

/** Inspector's per-server *Protocol Era* setting (Server Settings → Options), as its select labels it. */
export type ProtocolEra = 'legacy' | 'auto' | 'modern';
const ERA_LABELS: Record<ProtocolEra, string> = {
  legacy: 'Legacy (2025-11-25 handshake)',
  auto: 'Auto (probe, fall back to legacy)',
  modern: 'Modern (2026-07-28, sessionless)',
};

export interface ServerSettings {
  /** Server Settings → OAuth Settings → Client ID (a pre-registered client); unset: dynamic registration. */
  clientId?: string;
  /** Server Settings → Options → Protocol Era; unset: Inspector's default (`legacy`). */
  protocolEra?: ProtocolEra;
}

/**
 * "Add Servers → Add manually", then the new card's Settings (Client ID and/or Protocol Era), saved
 * and seen saved, then connect.
 */
export async function addServer(page: Page, id: string, transport: Transport, url: string, wanted: ServerSettings): Promise<void> {
  await addServerManually(page, id, transport, url);
  await applySettings(page, id, wanted);
  await connect(page, id);
}

/** "Add Servers → Add manually": Server ID, Transport (streamable-http or sse), URL, Add. */
export async function addServerManually(page: Page, id: string, transport: Transport, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Servers' }).click();
  await page.getByRole('menuitem', { name: /Add manually/ }).click();
  const add = page.getByRole('dialog').filter({ hasText: 'Add server' }).last();
  await add.getByLabel('Server ID').fill(id);
  await add.getByLabel('Transport').click();
  await page.getByRole('option', { name: transport === 'http' ? /^streamable-http/ : /^sse/ }).click();
  await add.getByLabel(/URL/).fill(url);
  await add.getByRole('button', { name: 'Add', exact: true }).click();
}

function serverCard(page: Page, id: string): Locator {
  return page.locator('[data-testid="server-card"], .mantine-Card-root').filter({ hasText: id }).last();
}

/** The card's Settings dialog. */
async function openSettings(page: Page, id: string): Promise<Locator> {
  await serverCard(page, id).getByRole('button', { name: 'Settings', exact: true }).click();
  return page.getByRole('dialog').filter({ hasText: 'Server Settings' }).last();
}

/**
 * What Inspector shows under the card's *Settings → OAuth Settings → Redirect URI* — the redirect URI it
 * will send, which depends on the origin Inspector was opened at (its port, localhost or 127.0.0.1): the
 * one to register for the app. Closes the dialog again.
 */
export async function readRedirectUri(page: Page, id: string): Promise<string> {
  const settings = await openSettings(page, id);
  await openSection(settings, 'OAuth Settings');
  const value = await settings.getByRole('textbox', { name: 'Redirect URI' }).inputValue();
  await settings.getByRole('button', { name: 'Close' }).first().click();
  await settings.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
  return value;
}

/** The card's Settings: Protocol Era and/or Client ID, saved, then reopened and seen saved. */
export async function applySettings(page: Page, id: string, wanted: ServerSettings): Promise<void> {
  // The steps below wait for the settings to be saved: there must be something to save.
  assert.ok(wanted.clientId !== undefined || wanted.protocolEra !== undefined, 'applySettings: a Client ID or a Protocol Era to set');
  const settings = await openSettings(page, id);
  if (wanted.protocolEra) {
    await openSection(settings, 'Options');
    await settings.getByLabel('Protocol Era', { exact: true }).click();
    await page.getByRole('option', { name: ERA_LABELS[wanted.protocolEra], exact: true }).click();
  }
  if (wanted.clientId !== undefined) {
    await openSection(settings, 'OAuth Settings');
    await settings.getByLabel('Client ID').fill(wanted.clientId);
  }
  // Inspector connects with the server entry it has in memory: connecting before the saved settings
  // are reloaded registers dynamically and then redeems the code as `mcp-inspector` (invalid_grant).
  // So wait for the save (PUT) and the reload that follows it (GET /api/servers, ~0.1 s later: both
  // waits start before the click, or the reload may come and go unseen), then, like a person, reopen
  // the settings and see them there before connecting.
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes(`/api/servers/${id}`), { timeout: STEP_TIMEOUT });
  const reloaded = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/servers', { timeout: STEP_TIMEOUT });
  await settings.getByRole('button', { name: 'Close' }).first().click();
  await saved;
  await reloaded;
  const reopened = await openSettings(page, id);
  if (wanted.protocolEra) {
    await openSection(reopened, 'Options');
    assert.equal(await reopened.getByLabel('Protocol Era', { exact: true }).inputValue(), ERA_LABELS[wanted.protocolEra], 'Protocol Era saved in the server settings');
  }
  if (wanted.clientId !== undefined) {
    await openSection(reopened, 'OAuth Settings');
    assert.equal(await reopened.getByLabel('Client ID').inputValue(), wanted.clientId, 'Client ID saved in the server settings');
  }
  await reopened.getByRole('button', { name: 'Close' }).first().click();
  await reopened.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
}

/** The card's connect switch. */
export async function connect(page: Page, id: string): Promise<void> {
  // Mantine draws the switch's track over its (visually hidden) input: click through it.
  await page.getByRole('switch', { name: `Connect or disconnect "${id}"` }).check({ force: true });
}

/** Expands a section of the Server Settings accordion unless it is already open (a second click would close it). */
async function openSection(dialog: Locator, name: string): Promise<void> {
  const control = dialog.getByRole('button', { name, exact: true });
  if ((await control.getAttribute('aria-expanded')) !== 'true') await control.click();
}

/**
 * The first JSON object of the rendered result: the viewer prints the line numbers first, then the
 * pretty-printed JSON, whose outermost braces stand alone on their lines.
 */
export function claimsFromText(text: string): Record<string, unknown> {
  const lines = text.split('\n').map((line) => line.trimEnd());
  const start = lines.indexOf('{');
  const end = lines.indexOf('}', start);
  assert.ok(start >= 0 && end > start, `a JSON object in the tool result: ${text.slice(0, 500)}`);
  return JSON.parse(lines.slice(start, end + 1).join('\n')) as Record<string, unknown>;
}
