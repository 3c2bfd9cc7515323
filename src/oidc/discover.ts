import { discoveryPath, fetchOidcConfig } from '@logto/js';
import { isLoopbackHost } from '../shared/loopback-host.js';
import { DiscoveryConfigError, UpstreamError } from './errors.js';
import { createJsonRequester, HttpStatusError } from './requester.js';

/** The parts of the issuer's OpenID configuration this server uses, plus the raw document. */
export interface IssuerMetadata {
  issuer: string;
  jwksUri: string;
  userinfoEndpoint: string;
  /** Asymmetric JWS algorithms the issuer advertises; the only ones a JWT may use. */
  algorithms: string[];
  /** The document exactly as served, mirrored at /.well-known/oauth-authorization-server. */
  raw: Readonly<Record<string, unknown>>;
}

const ASYMMETRIC = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'];

function checkEndpoint(name: string, value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new DiscoveryConfigError(`${name} is missing or not a URL`);
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new DiscoveryConfigError(`${name} must be https (http only on loopback): ${value}`);
  }
  return value;
}

/**
 * Fetches `${issuer}/.well-known/openid-configuration` with @logto/js's `fetchOidcConfig` and a
 * requester that enforces a timeout and size bound. Checks, as oauth4webapi does: the document's
 * `issuer` equals the expected issuer byte for byte; endpoints are https (http on loopback only).
 *
 * Throws {@link DiscoveryConfigError} for problems a retry cannot fix, {@link UpstreamError} for
 * transient ones. Messages name the URL and the cause in one line.
 */
export async function discoverIssuer(
  expectedIssuer: string,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<IssuerMetadata> {
  const endpoint = expectedIssuer.replace(/\/oidc$/, '');
  const url = expectedIssuer.endsWith('/oidc') ? `${endpoint}${discoveryPath}` : `${expectedIssuer}/.well-known/openid-configuration`;
  const request = createJsonRequester(options);
  let raw: Record<string, unknown> | undefined;
  try {
    // fetchOidcConfig camel-cases keys; keep the raw document for the metadata mirror.
    const config = await fetchOidcConfig(url, async <T>(input: string | URL | Request, init?: RequestInit) => {
      raw = await request<Record<string, unknown>>(input, init);
      return raw as T;
    });
    if (config.issuer !== expectedIssuer) {
      throw new DiscoveryConfigError(`issuer mismatch: expected ${expectedIssuer}, the document says ${String(config.issuer)}`);
    }
    const jwksUri = checkEndpoint('jwks_uri', config.jwksUri);
    const userinfoEndpoint = checkEndpoint('userinfo_endpoint', config.userinfoEndpoint);
    for (const key of ['authorization_endpoint', 'token_endpoint'] as const) checkEndpoint(key, raw?.[key]);
    const advertised = [
      ...((raw?.['id_token_signing_alg_values_supported'] as unknown[] | undefined) ?? []),
      ...((raw?.['access_token_signing_alg_values_supported'] as unknown[] | undefined) ?? []),
    ].filter((a): a is string => typeof a === 'string' && ASYMMETRIC.includes(a));
    return {
      issuer: config.issuer,
      jwksUri,
      userinfoEndpoint,
      algorithms: advertised.length > 0 ? [...new Set(advertised)] : ['ES384', 'RS256'],
      raw: Object.freeze({ ...raw }),
    };
  } catch (error) {
    if (error instanceof DiscoveryConfigError) throw new DiscoveryConfigError(`OIDC discovery at ${url} failed: ${error.message}`);
    if (error instanceof HttpStatusError && error.status >= 300 && error.status < 500) {
      throw new DiscoveryConfigError(`OIDC discovery at ${url} failed: HTTP ${error.status} (is LOGTO_ENDPOINT the tenant's "Logto endpoint"?)`);
    }
    if (error instanceof UpstreamError) throw new UpstreamError(`OIDC discovery failed: ${error.message}`, { cause: error });
    throw new UpstreamError(`OIDC discovery at ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
