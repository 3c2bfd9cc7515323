/**
 * Headless sign-in at the real Logto: the authorization request sets Logto's interaction cookie and
 * lands on its sign-in page; instead of rendering it, this calls the experience API the page itself
 * calls (`PUT /api/experience`, password verification, identification, submit) and follows
 * `redirectTo` back through `/oidc/auth` to the client's redirect URI. Used as the
 * `redirectToAuthorization` of the SDK clients' OAuth providers, so their own `auth()` runs unchanged.
 */
import { authorizationResult, browserTab, type AuthorizationResult, type Credentials } from '../../support/browser-tab.js';

const MAX_HOPS = 12;

export class LogtoSignInError extends Error {
  override readonly name = 'LogtoSignInError';
  /** OAuth error code from the redirect, or the experience API's `code` (e.g. `session.invalid_credentials`). */
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Follows `authorizationUrl` through Logto's experience API to `redirectUri`; returns the code. */
export async function signInAtLogto(
  authorizationUrl: URL | string,
  redirectUri: string,
  credentials: Credentials,
  fetchFn: typeof fetch = fetch,
): Promise<AuthorizationResult> {
  const tab = browserTab(fetchFn, 15_000);
  const trail: string[] = [];
  const start = new URL(authorizationUrl);

  const send = (url: URL, init: RequestInit = {}): Promise<Response> => {
    trail.push(`${init.method ?? 'GET'} ${url.pathname}`);
    return tab(url, init);
  };

  /** GETs and follows redirects; returns the URL where they stop (the sign-in page or the callback). */
  const follow = async (from: URL): Promise<URL> => {
    let url = from;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (url.href.startsWith(redirectUri)) return url;
      const response = await send(url);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      const body = await response.text();
      if (response.status !== 200) throw new LogtoSignInError('http_error', `HTTP ${response.status} at ${url.pathname}: ${body.slice(0, 300)}\n${trail.join('\n')}`);
      return url; // a page of the experience app
    }
    throw new LogtoSignInError('too_many_redirects', `no stop after ${MAX_HOPS} redirects:\n${trail.join('\n')}`);
  };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await send(new URL(path, start.origin), {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) throw new LogtoSignInError(String(json['code'] ?? response.status), `${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return json as T;
  };

  let url = await follow(start);
  if (!url.href.startsWith(redirectUri)) {
    // The experience app's page; sign in through its API.
    await api('PUT', '/api/experience', { interactionEvent: 'SignIn' });
    const { verificationId } = await api<{ verificationId: string }>('POST', '/api/experience/verification/password', {
      identifier: { type: 'username', value: credentials.username },
      password: credentials.password,
    });
    await api('POST', '/api/experience/identification', { verificationId });
    const { redirectTo } = await api<{ redirectTo: string }>('POST', '/api/experience/submit');
    url = await follow(new URL(redirectTo, start));
    if (!url.href.startsWith(redirectUri)) {
      throw new LogtoSignInError('unexpected_page', `stopped at ${url.href} instead of the redirect URI:\n${trail.join('\n')}`);
    }
  }
  return authorizationResult(url, trail, (code, message) => new LogtoSignInError(code, message));
}
