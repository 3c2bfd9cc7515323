import type { Page } from 'playwright-core';
import type { Credentials } from '../../support/browser-tab.js';

/**
 * A person at Logto's real sign-in page (the experience app at /sign-in): fills the username and
 * password fields and presses "Sign in". Works on a page that is already there or is being navigated to.
 * Waits until the browser has left the sign-in page for `leavesFor` (a URL prefix, e.g. the client's
 * redirect URI), so the authorization code has been delivered by the browser itself.
 */
export async function signInOnLogtoPage(page: Page, user: Credentials, leavesFor: string, timeoutMs = 60_000): Promise<void> {
  const identifier = page.locator('input[name="identifier"]');
  await identifier.waitFor({ state: 'visible', timeout: timeoutMs });
  await identifier.fill(user.username);
  await page.locator('input[name="password"]').fill(user.password);
  await page.locator('button[name="submit"]').click();
  await page.waitForURL((url) => url.href.startsWith(leavesFor), { timeout: timeoutMs, waitUntil: 'commit' });
}
