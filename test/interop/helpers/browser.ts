import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); never a downloaded browser. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a headless root run on a machine with no network but loopback (see machines/node.md). */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface FreshBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a new, empty user-data dir (no cookies, no IdP session). Requests that
 * leave loopback (the Inspector's web fonts) are aborted at once instead of waiting on DNS.
 */
export async function launchFreshBrowser(): Promise<FreshBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'interop-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
  });
  await context.route(/^https?:\/\/(?!localhost[:/]|127\.0\.0\.1[:/]|\[::1\][:/])/, (route) => route.abort('blockedbyclient'));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
