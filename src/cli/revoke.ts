import { selectClientAuthMethod, type FetchLike } from '@modelcontextprotocol/client';
import { resilientFetch } from './fetch.js';
import { metadataString, type ServerRecord } from './store.js';

export type RevocationOutcome = 'revoked' | 'unsupported' | 'nothing' | 'failed';

/**
 * RFC 7009 token revocation at the advertised `revocation_endpoint`: the refresh token first
 * (revoking it ends the grant at most servers), then the access token. Client authentication
 * follows the same choice the SDK makes for the token endpoint. The SDK has no revocation helper.
 * Revocation is best effort: a failure is reported, and the caller deletes the local copy anyway.
 */
export async function revokeTokens(record: ServerRecord, fetchFn: FetchLike = resilientFetch): Promise<RevocationOutcome> {
  const { tokens, client } = record;
  if (!tokens) return 'nothing';
  const metadata = record.discovery?.authorizationServerMetadata;
  const endpoint = metadataString(metadata, 'revocation_endpoint');
  if (!endpoint || !client) return 'unsupported';

  const revocationMethods = (metadata as Record<string, unknown> | undefined)?.revocation_endpoint_auth_methods_supported;
  const supported = Array.isArray(revocationMethods)
    ? revocationMethods.map(String)
    : (metadata?.token_endpoint_auth_methods_supported ?? []);
  const { kind: _kind, ...info } = client;
  const method = selectClientAuthMethod(info, supported);
  const items: Array<[string, string]> = [];
  if (tokens.refresh_token) items.push([tokens.refresh_token, 'refresh_token']);
  items.push([tokens.access_token, 'access_token']);

  let ok = true;
  for (const [token, hint] of items) {
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    const body = new URLSearchParams({ token, token_type_hint: hint });
    if (method === 'client_secret_basic' && info.client_secret) {
      const enc = (s: string) => encodeURIComponent(s);
      headers.set('authorization', `Basic ${Buffer.from(`${enc(info.client_id)}:${enc(info.client_secret)}`).toString('base64')}`);
    } else {
      body.set('client_id', info.client_id);
      if (method === 'client_secret_post' && info.client_secret) body.set('client_secret', info.client_secret);
    }
    try {
      const response = await fetchFn(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      // RFC 7009 §2.2: 200 also for tokens that were already invalid.
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        continue;
      }
      const error = ((await response.json().catch(() => ({}))) as { error?: unknown }).error;
      // §2.2.1: a server may not revoke self-contained (JWT) access tokens; they lapse at `exp`,
      // and the grant is already gone with the refresh token.
      if (!(hint === 'access_token' && error === 'unsupported_token_type' && tokens.refresh_token)) ok = false;
    } catch {
      ok = false;
    }
  }
  return ok ? 'revoked' : 'failed';
}
