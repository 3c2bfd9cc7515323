import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  IssuerMismatchError,
  type FetchLike,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/client';
import { CliError } from './errors.js';

export interface Discovery extends OAuthDiscoveryState {
  /** The authorization server's `issuer` (its metadata's, checked), or the MCP server's origin. */
  issuer: string;
  /** True when the server had no protected resource metadata (2025-03-26 behaviour). */
  withoutResourceMetadata: boolean;
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
 * The SDK (v2) also checks that the metadata's `issuer` is the URL it was discovered from
 * (RFC 8414 §3.3). What this adds: for a 2025-03-26 server, whose metadata sits on its own origin
 * and may name an issuer with a path, that check is relaxed to "an issuer on that origin"; and an
 * authorization server named by resource metadata must publish metadata — the `/authorize`
 * `/token` `/register` guesses are kept for the 2025-03-26 case where the server has no resource
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
  const withoutResourceMetadata = advertised === undefined;
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
    metadata = await discoverAuthorizationServerMetadata(authorizationServerUrl, { fetchFn: capturing, skipIssuerValidation: withoutResourceMetadata });
    const served = documents.find((doc) => metadata && doc.issuer === metadata.issuer);
    if (metadata && served) metadata = { ...served, ...metadata } as typeof metadata;
  } catch (error) {
    if (error instanceof IssuerMismatchError) {
      throw new CliError('issuer_mismatch', `Authorization server metadata names another issuer than ${authorizationServerUrl}.`, { cause: error });
    }
    throw new CliError('discovery_failed', `Could not load authorization server metadata for ${authorizationServerUrl}.`, { cause: error });
  }
  if (!metadata && !withoutResourceMetadata) {
    throw new CliError('discovery_failed', `The authorization server ${authorizationServerUrl} publishes no OAuth or OpenID metadata.`);
  }
  // 2025-03-26 servers serve the metadata on their own origin, and the issuer it names may carry a
  // path (`https://mcp.example/oauth`): accepted there as long as it stays on that origin.
  if (metadata && withoutResourceMetadata && !sameOrigin(metadata.issuer, authorizationServerUrl)) {
    throw new CliError(
      'issuer_mismatch',
      `Authorization server metadata names issuer ${metadata.issuer}, but was discovered for ${authorizationServerUrl}.`,
    );
  }

  const state: Discovery = {
    authorizationServerUrl,
    issuer: metadata?.issuer ?? authorizationServerUrl,
    withoutResourceMetadata,
  };
  if (resourceMetadata) state.resourceMetadata = resourceMetadata;
  if (metadata) state.authorizationServerMetadata = metadata;
  if (options.resourceMetadataUrl) state.resourceMetadataUrl = options.resourceMetadataUrl.href;
  return state;
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
