/**
 * Observations of an OpenID provider that our server (and the dev IdP's fidelity) depends on, made the
 * same way against the dev IdP and the real Logto. Each observation is a small JSON value, so two
 * providers compare with deepEqual; token values, codes and secrets never appear in them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { pkceAuthorizationRequest } from '../../../src/dev-idp/token-helper.js';
import type { AuthorizationResult, Credentials } from '../../support/browser-tab.js';

export interface IdpUnderTest {
  name: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
  user: Credentials;
  /** An API resource registered at the provider, with `scope` as one of its permissions the user holds. */
  resource: string;
  resourceScope: string;
  /** Signs in headlessly from an authorization URL to the redirect URI. */
  authorize(url: URL, redirectUri: string, user: Credentials): Promise<AuthorizationResult>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Observations = Record<string, Json>;

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const UNREGISTERED_RESOURCE = 'https://not-registered.example.com/api';
/** Logto 1.37.1 core, src/queries/oidc-model-instance.ts: `refreshTokenReuseInterval = 3` (seconds). */
const LOGTO_REFRESH_REUSE_INTERVAL_MS = 3000;

function shape(token: unknown): Json {
  if (typeof token !== 'string') return 'absent';
  return token.split('.').length === 3 ? 'jwt' : `opaque(${token.length} chars)`;
}

function sortedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).sort();
}

/** A token endpoint answer as observed: status, field names, and the fields a client reads. */
function tokenResponse(token: TokenAnswer | undefined): Json {
  const body = token?.body ?? {};
  return {
    status: token?.status ?? 0,
    keys: sortedKeys(body),
    token_type: (body['token_type'] as Json) ?? 'absent',
    expires_in: (body['expires_in'] as Json) ?? 'absent',
    scope: (body['scope'] as Json) ?? 'absent',
    access_token: shape(body['access_token']),
  };
}

async function post(url: string, form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form), signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: response.status, body };
}

async function userinfo(idp: IdpUnderTest, token: string): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
}

function challengeError(header: string | null): Json {
  return header ? (/error="([^"]+)"/.exec(header)?.[1] ?? 'no error parameter') : 'no challenge';
}

/** Authorization code + PKCE; answers the authorization outcome and the token endpoint's answer. */
async function codeFlow(idp: IdpUnderTest, options: { scope: string; resource?: string; tokenResource?: string }) {
  const { url, codeVerifier: verifier } = pkceAuthorizationRequest(`${idp.issuer}/auth`, {
    clientId: idp.clientId,
    redirectUri: idp.redirectUri,
    scope: options.scope,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  let code: string;
  let iss: string | null;
  try {
    ({ code, iss } = await idp.authorize(url, idp.redirectUri, idp.user));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { authorization: `error: ${/authorization error: (\S+)/.exec(message)?.[1] ?? /HTTP (\d+)/.exec(message)?.[0] ?? 'other'}`, token: undefined };
  }
  const resource = options.tokenResource ?? options.resource;
  const token = await post(`${idp.issuer}/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: idp.redirectUri,
    client_id: idp.clientId,
    code_verifier: verifier,
    ...(resource ? { resource } : {}),
  });
  return { authorization: iss === idp.issuer ? 'code, iss = issuer' : `code, iss ${iss === null ? 'absent' : 'other'}`, token };
}

export async function observe(idp: IdpUnderTest): Promise<Observations> {
  const o: Observations = {};
  const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  const path = (key: string): Json => (typeof discovery[key] === 'string' ? new URL(discovery[key] as string).pathname : 'absent');
  o['discovery: issuer echo'] = discovery['issuer'] === idp.issuer;
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint', 'registration_endpoint', 'introspection_endpoint']) {
    o[`discovery: ${key} path`] = path(key);
  }
  for (const key of [
    'code_challenge_methods_supported',
    'response_types_supported',
    'grant_types_supported',
    'token_endpoint_auth_methods_supported',
    'id_token_signing_alg_values_supported',
    'authorization_response_iss_parameter_supported',
    'claims_parameter_supported',
    'request_parameter_supported',
    'client_id_metadata_document_supported',
  ]) {
    const value = discovery[key];
    o[`discovery: ${key}`] = Array.isArray(value) ? [...(value as string[])].sort() : ((value as Json) ?? 'absent');
  }
  const jwks = (await (await fetch(discovery['jwks_uri'] as string)).json()) as { keys: Array<Record<string, unknown>> };
  o['jwks: keys (kty/crv/alg/use)'] = jwks.keys.map((k) => `${String(k['kty'])}/${String(k['crv'] ?? '-')}/${String(k['alg'] ?? '-')}/${String(k['use'] ?? '-')}`).sort();

  // Without resource: opaque access token for userinfo.
  const plain = await codeFlow(idp, { scope: 'openid profile email offline_access' });
  o['no resource: authorization'] = plain.authorization;
  const plainBody = plain.token?.body ?? {};
  o['no resource: token response'] = tokenResponse(plain.token);
  const opaque = plainBody['access_token'] as string;
  const info = await userinfo(idp, opaque);
  o['userinfo with the opaque token'] = { status: info.status, claims: sortedKeys(info.body) };
  const idToken = plainBody['id_token'];
  o['id token: header alg/typ'] = typeof idToken === 'string' ? `${String(decodeProtectedHeader(idToken)['alg'])}/${String(decodeProtectedHeader(idToken)['typ'])}` : 'absent';
  o['id token: claims'] = typeof idToken === 'string' ? sortedKeys(decodeJwt(idToken)) : 'absent';

  // With resource: a JWT for the API resource.
  const withResource = await codeFlow(idp, { scope: `openid profile email offline_access ${idp.resourceScope}`, resource: idp.resource });
  o['resource: authorization'] = withResource.authorization;
  const resBody = withResource.token?.body ?? {};
  const jwt = resBody['access_token'] as string;
  o['resource: token response'] = tokenResponse(withResource.token);
  if (typeof jwt === 'string' && shape(jwt) === 'jwt') {
    const header = decodeProtectedHeader(jwt);
    const payload = decodeJwt(jwt);
    o['resource JWT: header'] = { alg: header['alg'] as Json, typ: header['typ'] as Json, kid: typeof header['kid'] === 'string' ? 'present' : 'absent' };
    o['resource JWT: claims'] = sortedKeys(payload);
    o['resource JWT: aud = resource'] = payload['aud'] === idp.resource;
    o['resource JWT: iss = issuer'] = payload['iss'] === idp.issuer;
    o['resource JWT: scope'] = (payload['scope'] as Json) ?? 'absent';
    o['resource JWT: client_id = app'] = payload['client_id'] === idp.clientId;
    o['resource JWT: exp - iat'] = Number(payload['exp']) - Number(payload['iat']);
    const refused = await userinfo(idp, jwt);
    o['userinfo with the resource JWT'] = { status: refused.status, error: challengeError(refused.challenge) };
  }
  // Resource at the authorization request only, not at the token request.
  const authOnly = await codeFlow(idp, { scope: `openid ${idp.resourceScope}`, resource: idp.resource, tokenResource: '' });
  o['resource only at /auth: access token'] = shape(authOnly.token?.body['access_token']);

  // Unregistered resource.
  const unknown = await codeFlow(idp, { scope: 'openid', resource: UNREGISTERED_RESOURCE });
  o['unregistered resource: authorization'] = unknown.authorization;
  o['unregistered resource: token'] = unknown.token ? { status: unknown.token.status, error: (unknown.token.body['error'] as Json) ?? 'none' } : 'not reached';

  // Refresh.
  const refresh = resBody['refresh_token'];
  o['refresh token issued with offline_access'] = typeof refresh === 'string';
  if (typeof refresh === 'string') {
    const refreshed = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refresh, client_id: idp.clientId, resource: idp.resource });
    const rotatedAt = Date.now();
    o['refresh with resource'] = {
      status: refreshed.status,
      access_token: shape(refreshed.body['access_token']),
      rotated: typeof refreshed.body['refresh_token'] === 'string' && refreshed.body['refresh_token'] !== refresh,
      scope: (refreshed.body['scope'] as Json) ?? 'absent',
    };
    const next = (refreshed.body['refresh_token'] as string | undefined) ?? refresh;
    const plainRefresh = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: next, client_id: idp.clientId });
    o['refresh without resource'] = { status: plainRefresh.status, access_token: shape(plainRefresh.body['access_token']) };
    const latest = (plainRefresh.body['refresh_token'] as string | undefined) ?? next;
    const otherResource = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: latest, client_id: idp.clientId, resource: UNREGISTERED_RESOURCE });
    o['refresh with an unregistered resource'] = { status: otherResource.status, error: (otherResource.body['error'] as Json) ?? 'none' };
    // Logto accepts a rotated refresh token again for 3 s (refreshTokenReuseInterval in its oidc model
    // adapter), the dev IdP never does. Observed after that interval, so the answer does not depend on
    // how fast this machine is: waiting for a documented instant, not timing anything.
    await sleep(Math.max(0, rotatedAt + LOGTO_REFRESH_REUSE_INTERVAL_MS + 1000 - Date.now()));
    const reuse = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refresh, client_id: idp.clientId, resource: idp.resource });
    o['refresh: reusing a rotated refresh token after 3 s'] = { status: reuse.status, error: (reuse.body['error'] as Json) ?? 'none' };

    // Revocation.
    const fresh = await codeFlow(idp, { scope: 'openid offline_access' });
    const freshBody = fresh.token?.body ?? {};
    const revokeAccess = await post(`${idp.issuer}/token/revocation`, { token: String(freshBody['access_token']), client_id: idp.clientId });
    const afterRevoke = await userinfo(idp, String(freshBody['access_token']));
    o['revoke opaque access token'] = { status: revokeAccess.status, userinfo: afterRevoke.status, error: challengeError(afterRevoke.challenge) };
    const revokeRefresh = await post(`${idp.issuer}/token/revocation`, { token: String(freshBody['refresh_token']), client_id: idp.clientId });
    const refreshAfterRevoke = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(freshBody['refresh_token']), client_id: idp.clientId });
    o['revoke refresh token'] = { status: revokeRefresh.status, refresh: refreshAfterRevoke.status, error: (refreshAfterRevoke.body['error'] as Json) ?? 'none' };
  }
  const garbage = await userinfo(idp, 'not-a-token-at-all');
  o['userinfo with garbage'] = { status: garbage.status, error: challengeError(garbage.challenge) };
  const noToken = await fetch(`${idp.issuer}/me`);
  await noToken.body?.cancel();
  o['userinfo without a token'] = { status: noToken.status, error: challengeError(noToken.headers.get('www-authenticate')) };
  const badCode = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code: 'bogus', redirect_uri: idp.redirectUri, client_id: idp.clientId, code_verifier: 'x'.repeat(43) });
  o['token endpoint: unknown code'] = { status: badCode.status, error: (badCode.body['error'] as Json) ?? 'none' };
  return o;
}
