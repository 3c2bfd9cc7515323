/**
 * What every headless sign-in does the way a browser tab would, whichever IdP's pages it then walks
 * (the dev IdP's HTML forms, Logto's experience API): carry the IdP's cookies from answer to request,
 * leave redirects to the caller (it stops at the client's redirect URI instead of following it), and
 * read the authorization response that arrives there.
 */
import { CookieJar } from '../../src/dev-idp/cookie-jar.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthorizationResult {
  code: string;
  state: string | null;
  /** RFC 9207 `iss` on the redirect, when the IdP sends it. */
  iss: string | null;
  /** The full redirect (callback) URL, as a browser would have delivered it to the client. */
  callbackUrl: URL;
  /** Every URL visited, for diagnostics. */
  trail: string[];
}

/** A fetch with its own cookie jar (one origin) that never follows redirects; each request times out after `timeoutMs`. */
export function browserTab(fetchFn: typeof fetch, timeoutMs: number): (url: URL, init?: RequestInit) => Promise<Response> {
  const jar = new CookieJar();
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    const cookie = jar.header();
    if (cookie) headers.set('cookie', cookie);
    const response = await fetchFn(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    jar.store(response.headers);
    return response;
  };
}

/**
 * The authorization response at the redirect URI (RFC 6749 §4.1.2): its code, or `fail(code, message)`
 * thrown with the OAuth `error` it carries instead (`no_code` when it carries neither).
 */
export function authorizationResult(url: URL, trail: string[], fail: (code: string, message: string) => Error = (_code, message) => new Error(message)): AuthorizationResult {
  const error = url.searchParams.get('error');
  if (error) throw fail(error, `authorization error: ${error} ${url.searchParams.get('error_description') ?? ''}`);
  const code = url.searchParams.get('code');
  if (!code) throw fail('no_code', `redirect without code: ${url.pathname}`);
  return { code, state: url.searchParams.get('state'), iss: url.searchParams.get('iss'), callbackUrl: url, trail };
}
