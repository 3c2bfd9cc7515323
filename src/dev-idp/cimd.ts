import type Provider from 'oidc-provider';
import type { Client, Configuration } from 'oidc-provider';
import { isLoopbackHost } from '../shared/loopback-host.js';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-02), shaped like Logto's
 * "Dynamic apps" (logto-io/logto packages/core/src/oidc/cimd/index.ts, which wires the same
 * oidc-provider feature). oidc-provider 9 does the protocol part itself: it takes a `client_id` that is
 * an https URL (no fragment, no userinfo, no dot segments), fetches it with a 2.5 s timeout and
 * `redirect: 'manual'` (a redirect is a non-200, refused), caps the body at
 * `fetchResponseBodyLimits['client_id metadata document']`, requires the document's `client_id` to
 * equal the URL, refuses shared-secret authentication methods and `client_secret`, single-flights
 * concurrent fetches and caches the document within `cacheDuration`. What is left here is the policy:
 *
 * - public clients only: `token_endpoint_auth_method` must be `none` (PKCE is required for everyone);
 * - the authorization code and refresh token grants only (Logto overwrites `grant_types`; oidc-provider
 *   has no hook for that, so a document asking for more is refused with the reason);
 * - a client_id of at most 2048 characters (Logto's column width);
 * - a short cache (30 s – 5 min, within the document's Cache-Control);
 * - an http loopback redirect URI matches a registered one that differs only in its port (RFC 8252 §7.3),
 *   as Logto matches CIMD clients' (packages/core/src/oidc/cimd/redirect-uri.ts) — oidc-provider does
 *   that for `application_type: native` only, and documents such as Claude Code's name port-less
 *   loopback URIs (`http://localhost/callback`) without an application_type ({@link matchLoopbackPortsOfMetadataDocumentClients}).
 *
 * Not like Logto, because this IdP is development-only: documents on loopback hosts may be fetched
 * (oidc-provider's SSRF guard refuses loopback, private and link-local addresses; see
 * {@link metadataFetch}). Still https only — oidc-provider's URL check has no hook, and the MCP SDK
 * clients refuse a non-https `clientMetadataUrl` before they ever send it.
 */

/** Seconds a fetched document is reused: the document's max-age, clamped to this range. */
export const CIMD_CACHE_SECONDS = { min: 30, max: 300 } as const;
/** Largest metadata document accepted, in bytes (oidc-provider's default). */
export const CIMD_MAX_BYTES = 5 * 1024;
const MAX_CLIENT_ID_LENGTH = 2048;
const ALLOWED_GRANTS = new Set(['authorization_code', 'refresh_token']);

type Features = NonNullable<Configuration['features']>;
type ErrorClass = new (description: string) => Error;

/** `features.clientIdMetadataDocument`. `InvalidClientMetadata` is oidc-provider's, passed in (the module loads lazily). */
export function clientIdMetadataDocumentFeature(InvalidClientMetadata: ErrorClass): Features['clientIdMetadataDocument'] {
  return {
    enabled: true,
    ack: 'draft-02',
    allowFetch: (_ctx, clientId) => clientId.length <= MAX_CLIENT_ID_LENGTH,
    // Runs on every use, cache hits included, so the policy holds whatever the cache holds.
    allowClient: (_ctx, client: Client) => {
      if (client.clientAuthMethod !== 'none') {
        throw new InvalidClientMetadata('a client ID metadata document client must be public: token_endpoint_auth_method "none"');
      }
      const extra = (client.grantTypes ?? []).filter((grant) => !ALLOWED_GRANTS.has(grant));
      if (extra.length > 0) {
        throw new InvalidClientMetadata(`a client ID metadata document client may use authorization_code and refresh_token only, not ${extra.join(', ')}`);
      }
      return true;
    },
    cacheDuration: { ...CIMD_CACHE_SECONDS },
  };
}

/** True for a client resolved from a metadata document (oidc-provider marks it; the type does not say so). */
export function isMetadataDocumentClient(client: Client | undefined): boolean {
  return (client as { clientIdMetadataDocument?: unknown } | undefined)?.clientIdMetadataDocument === true;
}

/**
 * oidc-provider's `fetch` option. It passes a `dispatcher` that drops connections to non-public
 * addresses (SSRF guard); for a loopback host that guard is left out — development only — so a client
 * served on this machine can be used. Every other host keeps the guard. `base` is the fetch to use
 * (tests pass one that trusts their self-signed certificate).
 */
export function metadataFetch(base: typeof fetch = globalThis.fetch): NonNullable<Configuration['fetch']> {
  return (input, init) => {
    const url = URL.parse(input instanceof Request ? input.url : String(input));
    if (url && isLoopbackHost(url.hostname) && init) {
      const { dispatcher: _guard, ...rest } = init as RequestInit & { dispatcher?: unknown };
      return base(input, rest);
    }
    return base(input, init);
  };
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Drops a `:port` right after the host of a raw URL string (Logto's stripLoopbackPort: no parsing, so no other normalisation). */
function withoutPort(value: string): string {
  return value.replace(/^(https?:\/\/(?:\[[^\\\]]+\]|[^\\/:?#]+)):\d+(?=[/?#]|$)/iu, '$1');
}

/**
 * True when `value` is an http loopback URI equal to one of `registered` once both lose their port —
 * every other character compared as sent (draft-02 wants simple string comparison; the port is RFC 8252's
 * only exception).
 */
function loopbackRedirectMatches(registered: readonly string[], value: string): boolean {
  const parsed = URL.parse(value);
  if (!parsed || parsed.protocol !== 'http:' || !LOOPBACK_HOSTNAMES.has(parsed.hostname)) return false;
  const candidate = withoutPort(value);
  return registered.some((allowed) => withoutPort(allowed) === candidate);
}

/**
 * Installs the loopback-port rule on `provider`'s Client class (one class per provider instance, so no
 * other provider is touched): a metadata-document client's redirect URI is allowed when oidc-provider
 * allows it, or when {@link loopbackRedirectMatches} does. Registered clients keep oidc-provider's rule.
 */
export function matchLoopbackPortsOfMetadataDocumentClients(provider: Provider): void {
  const prototype = provider.Client.prototype as { redirectUriAllowed(this: Client, value: string): boolean };
  const allowedByProvider = prototype.redirectUriAllowed;
  prototype.redirectUriAllowed = function redirectUriAllowed(this: Client, value: string): boolean {
    return allowedByProvider.call(this, value) || (isMetadataDocumentClient(this) && loopbackRedirectMatches(this.redirectUris ?? [], value));
  };
}
