import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/**
 * MCP Inspector 2.x web UI steps shared by the interop (dev IdP) and real-Logto suites.
 */

export const STEP_TIMEOUT = 30_000;
type Transport = 'http' | 'sse';

/** "Add Servers → Add manually", then the new card's Settings → OAuth Settings → Client ID, then connect. */
export async function addServerWithClientId(page: Page, id: string, transport: Transport, url: string, clientId: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Servers' }).click();
  await page.getByRole('menuitem', { name: /Add manually/ }).click();
  const add = page.getByRole('dialog').filter({ hasText: 'Add server' }).last();
  await add.getByLabel('Server ID').fill(id);
  await add.getByLabel('Transport').click();
  await page.getByRole('option', { name: transport === 'http' ? /^streamable-http/ : /^sse/ }).click();
  await add.getByLabel(/URL/).fill(url);
  await add.getByRole('button', { name: 'Add', exact: true }).click();

  const card = page.locator('[data-testid="server-card"], .mantine-Card-root').filter({ hasText: id }).last();
  await card.getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = page.getByRole('dialog').filter({ hasText: 'Server Settings' }).last();
  await settings.getByRole('button', { name: 'OAuth Settings' }).click();
  await settings.getByLabel('Client ID').fill(clientId);
  // Inspector connects with the server entry it has in memory: connecting before the saved settings
  // are reloaded registers dynamically and then redeems the code as `mcp-inspector` (invalid_grant).
  // So wait for the save (PUT) and the reload that follows it (GET /api/servers, ~0.1 s later: both
  // waits start before the click, or the reload may come and go unseen), then, like a person, reopen
  // the settings and see the Client ID there before connecting.
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes(`/api/servers/${id}`), { timeout: STEP_TIMEOUT });
  const reloaded = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/servers', { timeout: STEP_TIMEOUT });
  await settings.getByRole('button', { name: 'Close' }).first().click();
  await saved;
  await reloaded;
  await card.getByRole('button', { name: 'Settings', exact: true }).click();
  const reopened = page.getByRole('dialog').filter({ hasText: 'Server Settings' }).last();
  await reopened.getByRole('button', { name: 'OAuth Settings' }).click();
  assert.equal(await reopened.getByLabel('Client ID').inputValue(), clientId, 'Client ID saved in the server settings');
  await reopened.getByRole('button', { name: 'Close' }).first().click();
  await reopened.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
  // Mantine draws the switch's track over its (visually hidden) input: click through it.
  await page.getByRole('switch', { name: `Connect or disconnect "${id}"` }).check({ force: true });
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
