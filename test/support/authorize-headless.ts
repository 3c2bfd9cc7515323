/**
 * Drives the dev IdP's authorization endpoint the way a person in a browser would, over plain HTTP:
 * follow redirects, fill the login form (`username`, `password`), press "Authorize" on the consent
 * page, and stop at the client's redirect URI. Used as the `redirectToAuthorization` of headless
 * OAuth client providers, so the SDKs' own `auth()` flow runs unchanged.
 *
 * Relies on the dev IdP's HTML contract (src/dev-idp/views.ts), not on its internals.
 */
import { authorizationResult, browserTab, type AuthorizationResult, type Credentials } from './browser-tab.js';

const MAX_STEPS = 20;

function formAction(html: string, base: URL): URL {
  const action = /<form[^>]*\saction="([^"]+)"/i.exec(html)?.[1];
  if (!action) throw new Error('no <form action> on the page');
  return new URL(action.replaceAll('&amp;', '&'), base);
}

function pageError(html: string): string {
  const meta = /<meta name="oauth-error" content="([^"]*)"/.exec(html)?.[1];
  const alert = /role="alert"[^>]*>([^<]*)</g;
  const alerts = [...html.matchAll(alert)].map((m) => m[1]).filter((t) => t && !t.includes('DEVELOPMENT IdP'));
  return [meta, ...alerts].filter(Boolean).join('; ') || html.slice(0, 300);
}

/**
 * Follows `authorizationUrl` through login and consent until the IdP redirects to `redirectUri`;
 * returns the authorization code. Throws on an OAuth error redirect, an error page or a loop.
 */
export async function authorizeHeadless(
  authorizationUrl: URL | string,
  redirectUri: string,
  credentials: Credentials,
  fetchFn: typeof fetch = fetch,
): Promise<AuthorizationResult> {
  const send = browserTab(fetchFn, 10_000);
  const trail: string[] = [];
  let url = new URL(authorizationUrl);
  let init: RequestInit = { method: 'GET' };
  let loginPosted = false;

  for (let step = 0; step < MAX_STEPS; step++) {
    trail.push(`${init.method ?? 'GET'} ${url.href}`);
    if (url.href.startsWith(redirectUri)) return authorizationResult(url, trail);
    const response = await send(url, init);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      init = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status} at ${url.href}: ${pageError(html)}\ntrail:\n${trail.join('\n')}`);

    if (/name="password"/.test(html)) {
      if (loginPosted) throw new Error(`login rejected: ${pageError(html)}`);
      loginPosted = true;
      url = formAction(html, url);
      init = { method: 'POST', body: new URLSearchParams({ username: credentials.username, password: credentials.password }) };
    } else if (/name="decision"/.test(html)) {
      url = formAction(html, url);
      init = { method: 'POST', body: new URLSearchParams({ decision: 'approve' }) };
    } else {
      throw new Error(`unexpected page at ${url.href}: ${pageError(html)}\ntrail:\n${trail.join('\n')}`);
    }
  }
  throw new Error(`no redirect to ${redirectUri} after ${MAX_STEPS} steps:\n${trail.join('\n')}`);
}
