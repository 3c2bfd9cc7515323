import { createHash, randomBytes } from 'node:crypto';
import { DEV_CLI_CLIENT_ID, DEV_CLI_REDIRECT_URI } from './clients.js';
import { CookieJar } from './cookie-jar.js';

export interface DevTokenOptions {
  /** e.g. `http://localhost:3002/oidc`; must equal the discovery document's `issuer` exactly. */
  issuer: string;
  username: string;
  password: string;
  /** RFC 8707 resource indicator. Without it the access token is opaque and only good for userinfo. */
  resource?: string;
  /** Default `openid profile email`. Add the resource's permission scopes (e.g. `whoami:read`) and `offline_access` as needed. */
  scope?: string;
  /** Default `dev-cli` (pre-registered public client). */
  clientId?: string;
  /** Default `http://127.0.0.1/callback`; nothing needs to listen there. */
  redirectUri?: string;
  fetch?: typeof fetch;
}

export interface DevTokenSet {
  access_token: string;
  token_type: string;
  /** Seconds. */
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/** Failure of the headless flow. `code` is the OAuth error code when the IdP sent one (`invalid_target`, `access_denied`, …), or `invalid_credentials`. */
export class DevTokenError extends Error {
  override readonly name = 'DevTokenError';
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Everything needed to redeem an authorization code. Holds secrets: do not log it. */
export interface DevAuthorization {
  code: string;
  codeVerifier: string;
  clientId: string;
  redirectUri: string;
  tokenEndpoint: string;
  resource?: string;
}

const MAX_HOPS = 12;

/**
 * Gets tokens from the development IdP the way a real client does: authorization
 * code + PKCE (S256) over HTTP, signing in and consenting through the HTML forms,
 * without a browser. Throws {@link DevTokenError}; messages never contain
 * passwords, codes or tokens.
 */
export async function getDevToken(options: DevTokenOptions): Promise<DevTokenSet> {
  const authorization = await authorizeDevUser(options);
  return exchangeDevCode(authorization, options.fetch);
}

/**
 * An authorization-code + PKCE (S256) request to `authorizationEndpoint`: the URL to open, the
 * `state` to expect back and the verifier to redeem the code with. Asks `prompt=consent` always:
 * Logto needs it for offline_access, and asking every time keeps the flow uniform.
 */
export function pkceAuthorizationRequest(
  authorizationEndpoint: string,
  request: { clientId: string; redirectUri: string; scope: string; resource?: string },
): { url: URL; state: string; codeVerifier: string } {
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(authorizationEndpoint);
  const params: Record<string, string> = {
    client_id: request.clientId,
    response_type: 'code',
    redirect_uri: request.redirectUri,
    scope: request.scope,
    state,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'consent',
  };
  if (request.resource !== undefined) params.resource = request.resource;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return { url, state, codeVerifier };
}

/** First half of {@link getDevToken}: runs the front channel and returns the authorization code, not yet redeemed. */
export async function authorizeDevUser(options: DevTokenOptions): Promise<DevAuthorization> {
  const fetchFn = options.fetch ?? fetch;
  const clientId = options.clientId ?? DEV_CLI_CLIENT_ID;
  const redirectUri = options.redirectUri ?? DEV_CLI_REDIRECT_URI;
  const metadata = await discover(options.issuer, fetchFn);
  const { url: authUrl, state, codeVerifier } = pkceAuthorizationRequest(metadata.authorization_endpoint, {
    clientId,
    redirectUri,
    scope: options.scope ?? 'openid profile email',
    ...(options.resource !== undefined ? { resource: options.resource } : {}),
  });

  const jar = new CookieJar();
  const callback = new URL(redirectUri);
  let request: { url: URL; method: 'GET' | 'POST'; form?: URLSearchParams } = { url: authUrl, method: 'GET' };

  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    if (request.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetchFn(request.url, {
      method: request.method,
      headers,
      redirect: 'manual',
      ...(request.form ? { body: request.form.toString() } : {}),
    });
    jar.store(res.headers);
    const body = await res.text();

    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, request.url);
      if (next.origin === callback.origin && next.pathname === callback.pathname) {
        const code = readCallback(next, state, metadata.issuer);
        return { code, codeVerifier, clientId, redirectUri, tokenEndpoint: metadata.token_endpoint, ...(options.resource !== undefined ? { resource: options.resource } : {}) };
      }
      request = { url: next, method: 'GET' };
      continue;
    }

    const action = /<form\b[^>]*\baction="([^"]+)"/i.exec(body)?.[1];
    const target = action ? new URL(decodeEntities(action), request.url) : undefined;
    if (res.status === 401 && target?.pathname.endsWith('/login')) {
      throw new DevTokenError('invalid_credentials', `the development IdP rejected the password for user "${options.username}"`);
    }
    if (res.ok && target?.pathname.endsWith('/login')) {
      request = { url: target, method: 'POST', form: new URLSearchParams({ username: options.username, password: options.password }) };
      continue;
    }
    if (res.ok && target?.pathname.endsWith('/confirm')) {
      request = { url: target, method: 'POST', form: new URLSearchParams({ decision: 'approve' }) };
      continue;
    }
    const error = /<meta name="oauth-error" content="([^"]*)"/.exec(body)?.[1];
    throw new DevTokenError(
      error ? decodeEntities(error) : 'unexpected_response',
      `unexpected HTTP ${res.status} from ${request.url.origin}${request.url.pathname} during sign-in${error ? ` (${decodeEntities(error)})` : ''}`,
    );
  }
  throw new DevTokenError('unexpected_response', `sign-in did not finish within ${MAX_HOPS} requests`);
}

/** Second half of {@link getDevToken}: redeems the code at the token endpoint with the PKCE verifier. */
export async function exchangeDevCode(authorization: DevAuthorization, fetchFn: typeof fetch = fetch): Promise<DevTokenSet> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: authorization.code,
    redirect_uri: authorization.redirectUri,
    client_id: authorization.clientId,
    code_verifier: authorization.codeVerifier,
  });
  if (authorization.resource !== undefined) form.set('resource', authorization.resource);
  const res = await fetchFn(authorization.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<DevTokenSet> & { error?: string; error_description?: string };
  if (!res.ok || typeof body.access_token !== 'string') {
    const code = typeof body.error === 'string' ? body.error : 'invalid_response';
    throw new DevTokenError(code, `token endpoint answered HTTP ${res.status}: ${code}${body.error_description ? ` (${body.error_description})` : ''}`);
  }
  return {
    access_token: body.access_token,
    token_type: String(body.token_type),
    expires_in: Number(body.expires_in),
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
    ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
    ...(typeof body.id_token === 'string' ? { id_token: body.id_token } : {}),
  };
}

interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(issuer: string, fetchFn: typeof fetch): Promise<Metadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { accept: 'application/json' } });
  } catch (cause) {
    throw new DevTokenError('unreachable', `cannot reach the identity provider at ${url}; is the development IdP running?`, { cause });
  }
  const body = (await res.json().catch(() => undefined)) as Partial<Metadata> | undefined;
  if (!res.ok || !body || typeof body.authorization_endpoint !== 'string' || typeof body.token_endpoint !== 'string') {
    throw new DevTokenError('invalid_metadata', `no usable discovery document at ${url} (HTTP ${res.status})`);
  }
  // Byte-for-byte issuer echo check (RFC 8414 §3.3).
  if (body.issuer !== issuer) {
    throw new DevTokenError('invalid_metadata', `discovery issuer "${String(body.issuer)}" does not match "${issuer}"`);
  }
  return { issuer, authorization_endpoint: body.authorization_endpoint, token_endpoint: body.token_endpoint };
}

function readCallback(url: URL, expectedState: string, issuer: string): string {
  const q = url.searchParams;
  if (q.get('state') !== expectedState) throw new DevTokenError('invalid_state', 'authorization response state does not match the request');
  // RFC 9207: when present, `iss` must be the issuer we started with (mix-up defence).
  const iss = q.get('iss');
  if (iss !== null && iss !== issuer) throw new DevTokenError('invalid_issuer', 'authorization response came from another issuer');
  const error = q.get('error');
  if (error) {
    const description = q.get('error_description');
    throw new DevTokenError(error, `authorization failed: ${error}${description ? ` (${description})` : ''}`);
  }
  const code = q.get('code');
  if (!code) throw new DevTokenError('invalid_response', 'authorization response carries neither code nor error');
  return code;
}

function decodeEntities(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
