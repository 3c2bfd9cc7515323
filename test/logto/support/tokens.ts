import { pkceAuthorizationRequest, type DevTokenSet } from '../../../src/dev-idp/token-helper.js';
import type { Credentials } from '../../support/browser-tab.js';
import { signInAtLogto } from './sign-in.js';

/** A token endpoint's success answer (RFC 6749 §5.1): the same shape whichever IdP issued it. */
export type TokenSet = DevTokenSet;

export interface TokenRequest {
  /** `${LOGTO_ENDPOINT}/oidc`. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  user: Credentials;
  /** RFC 8707 resource: with it Logto issues a JWT for that API resource, without it an opaque token. */
  resource?: string;
  /** Default `openid profile email`. */
  scope?: string;
}

/** Authorization code + PKCE at the real Logto, signing in headlessly; returns the token endpoint's answer. */
export async function logtoTokens(request: TokenRequest): Promise<TokenSet> {
  // prompt=consent included: Logto issues a refresh token for offline_access only with it.
  const { url, state, codeVerifier: verifier } = pkceAuthorizationRequest(`${request.issuer}/auth`, {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope ?? 'openid profile email',
    ...(request.resource ? { resource: request.resource } : {}),
  });
  const result = await signInAtLogto(url, request.redirectUri, request.user);
  if (result.state !== state) throw new Error('state mismatch on the redirect');
  return tokenRequest(request.issuer, {
    grant_type: 'authorization_code',
    code: result.code,
    redirect_uri: request.redirectUri,
    client_id: request.clientId,
    code_verifier: verifier,
    ...(request.resource ? { resource: request.resource } : {}),
  });
}

export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`token endpoint: HTTP ${status} ${code}`);
  }
}

/** POST to `${issuer}/token`; throws {@link TokenEndpointError} with the OAuth error code. */
export async function tokenRequest(issuer: string, form: Record<string, string>): Promise<TokenSet> {
  const response = await fetch(`${issuer}/token`, { method: 'POST', body: new URLSearchParams(form), signal: AbortSignal.timeout(15_000) });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof body['access_token'] !== 'string') throw new TokenEndpointError(response.status, String(body['error'] ?? 'invalid_response'));
  return body as unknown as TokenSet;
}

/** RFC 7009 revocation by a public client; returns the HTTP status. */
export async function revoke(issuer: string, clientId: string, token: string): Promise<number> {
  const response = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    body: new URLSearchParams({ token, client_id: clientId }),
    signal: AbortSignal.timeout(15_000),
  });
  await response.body?.cancel();
  return response.status;
}
