import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/client';
import type { FetchLike } from '@modelcontextprotocol/client';
import { CliError } from './errors.js';

export interface Discovery extends OAuthDiscoveryState {
  /** The authorization server's `issuer` (its metadata's, checked), or the legacy origin. */
  issuer: string;
  /** True when the server had no protected resource metadata (2025-03-26 behaviour). */
  legacy: boolean;
}

/**
 * Discovers the authorization server for an MCP server, in the order the current spec gives:
 *
 * 1. protected resource metadata (RFC 9728) at the challenge's `resource_metadata`, else at
 *    `/.well-known/oauth-protected-resource{path}`, then at the root — this is the SDK's
 *    `discoverOAuthProtectedResourceMetadata`, whose order matches;
 * 2. authorization server metadata at `/.well-known/oauth-authorization-server{path}`,
 *    `/.well-known/openid-configuration{path}`, `{path}/.well-known/openid-configuration` — the
 *    SDK's `discoverAuthorizationServerMetadata` (`buildDiscoveryUrls`), whose order matches too.
 *
 * What the SDK leaves out and this adds: the metadata's `issuer` must be the URL it was
 * discovered from (RFC 8414 §3.3; SDK 1.32 deliberately does not check it) — for a 2025-03-26
 * server, whose metadata sits on its own origin, an issuer on that origin — and an authorization
 * server named by resource metadata must publish metadata — the `/authorize` `/token`
 * `/register` guesses are kept for the 2025-03-26 case where the server has no resource
 * metadata at all (authorization server = the MCP server's origin).
 */
export async function discover(
  serverUrl: string | URL,
  options: { resourceMetadataUrl?: URL | undefined; fetchFn?: FetchLike | undefined } = {},
): Promise<Discovery> {
  const fetchFn = options.fetchFn ?? fetch;
  let resourceMetadata: OAuthDiscoveryState['resourceMetadata'];
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(
      serverUrl,
      options.resourceMetadataUrl ? { resourceMetadataUrl: options.resourceMetadataUrl } : undefined,
      fetchFn,
    );
  } catch {
    resourceMetadata = undefined;
  }

  const advertised = resourceMetadata?.authorization_servers?.[0];
  const legacy = advertised === undefined;
  const authorizationServerUrl = advertised ?? new URL('/', serverUrl).href;

  let metadata: OAuthDiscoveryState['authorizationServerMetadata'];
  // The SDK's schemas strip members it does not model (for OpenID metadata: `revocation_endpoint`,
  // `authorization_response_iss_parameter_supported`, …); keep the document as served as well.
  const documents: Array<Record<string, unknown>> = [];
  const capturing: FetchLike = async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.ok) {
      const body: unknown = await response.clone().json().catch(() => undefined);
      if (body && typeof body === 'object') documents.push(body as Record<string, unknown>);
    }
    return response;
  };
  try {
    metadata = await discoverAuthorizationServerMetadata(authorizationServerUrl, { fetchFn: capturing });
    const served = documents.find((doc) => metadata && doc.issuer === metadata.issuer);
    if (metadata && served) metadata = { ...served, ...metadata } as typeof metadata;
  } catch (error) {
    throw new CliError('discovery_failed', `Could not load authorization server metadata for ${authorizationServerUrl}.`, { cause: error });
  }
  if (!metadata && !legacy) {
    throw new CliError('discovery_failed', `The authorization server ${authorizationServerUrl} publishes no OAuth or OpenID metadata.`);
  }
  // 2025-03-26 servers serve the metadata on their own origin, and the issuer it names may carry a
  // path (`https://mcp.example/oauth`): accepted there as long as it stays on that origin.
  const issuerAccepted = legacy
    ? metadata !== undefined && sameOrigin(metadata.issuer, authorizationServerUrl)
    : metadata !== undefined && sameIssuer(metadata.issuer, authorizationServerUrl);
  if (metadata && !issuerAccepted) {
    throw new CliError(
      'issuer_mismatch',
      `Authorization server metadata names issuer ${metadata.issuer}, but was discovered for ${authorizationServerUrl}.`,
    );
  }

  const state: Discovery = {
    authorizationServerUrl,
    issuer: metadata?.issuer ?? authorizationServerUrl,
    legacy,
  };
  if (resourceMetadata) state.resourceMetadata = resourceMetadata;
  if (metadata) state.authorizationServerMetadata = metadata;
  if (options.resourceMetadataUrl) state.resourceMetadataUrl = options.resourceMetadataUrl.href;
  return state;
}

/**
 * RFC 8414 §3.3 asks for identical strings. The one tolerance: a path-less URL with and without
 * its trailing "/" (`https://as.example` vs `https://as.example/`) — the same URL once parsed,
 * and the legacy fallback necessarily spells the origin with the slash.
 */
export function sameIssuer(advertised: string, expected: string): boolean {
  if (advertised === expected) return true;
  try {
    const [a, b] = [new URL(advertised), new URL(expected)];
    const pathless = (u: URL) => u.pathname === '/' && !u.search && !u.hash;
    return pathless(a) && pathless(b) && a.origin === b.origin;
  } catch {
    return false;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * Scope for an authorization request: the challenge's `scope`, else the resource metadata's
 * `scopes_supported`, else none (omitted). `offline_access` is added only when the
 * authorization server lists it in `scopes_supported`, and never to an otherwise empty request.
 */
export function selectScope(challengeScope: string | undefined, discovery: Discovery): string | undefined {
  const base = challengeScope?.trim() || discovery.resourceMetadata?.scopes_supported?.join(' ');
  if (!base) return undefined;
  const scopes = base.split(/\s+/);
  if (discovery.authorizationServerMetadata?.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access')) {
    scopes.push('offline_access');
  }
  return scopes.join(' ');
}

/** Space-separated union, first occurrence order. */
export function unionScopes(...scopes: Array<string | undefined>): string | undefined {
  const out: string[] = [];
  for (const s of scopes) for (const item of s?.split(/\s+/) ?? []) if (item && !out.includes(item)) out.push(item);
  return out.length ? out.join(' ') : undefined;
}
