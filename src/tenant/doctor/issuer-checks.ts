import { discoverIssuer, type IssuerMetadata } from '../../oidc/discover.js';
import { DiscoveryConfigError } from '../../oidc/errors.js';
import { createJsonRequester, HttpStatusError } from '../../oidc/requester.js';
import type { Check } from './checklist.js';

const WHERE_ENDPOINT = 'Logto console → Applications → any application → "Logto endpoint" (Logto Cloud: https://<tenant-id>.logto.app), without /oidc';

/**
 * Discovery and its issuer echo (the same code the server runs at start), the JWKS and its
 * algorithms, and whether the tenant takes Client ID Metadata Documents ("Dynamic apps").
 */
export async function checkIssuer(logtoEndpoint: string, issuer: string, options: { timeoutMs: number; fetch?: typeof fetch }): Promise<Check[]> {
  const request = createJsonRequester(options);
  let metadata: IssuerMetadata;
  try {
    metadata = await discoverIssuer(issuer, options);
  } catch (error) {
    return [await discoveryFailure(logtoEndpoint, issuer, error, request)];
  }
  const checks: Check[] = [
    { id: 'issuer.discovery', status: 'ok', summary: `discovery: ${issuer} answers and echoes its issuer exactly` },
    await checkJwks(metadata, request),
  ];
  checks.push(
    metadata.raw['client_id_metadata_document_supported'] === true
      ? { id: 'issuer.cimd', status: 'ok', summary: 'Dynamic apps (Client ID Metadata Documents) are on: clients need no pre-registered app' }
      : {
          id: 'issuer.cimd',
          status: 'warn',
          summary: 'Dynamic apps (Client ID Metadata Documents) are off: every client needs a registered app and its App ID',
          fix: 'to let MCP clients connect without an app of their own: Logto console → Applications → Third-party apps tab → enable Dynamic app (in Logto versions that have it)',
        },
  );
  return checks;
}

type Requester = ReturnType<typeof createJsonRequester>;

async function discoveryFailure(logtoEndpoint: string, issuer: string, error: unknown, request: Requester): Promise<Check> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DiscoveryConfigError && /issuer mismatch/.test(message)) {
    // Read the document once more to name the issuer it declares: that is what LOGTO_ENDPOINT must give.
    const declared = await request<{ issuer?: unknown }>(`${issuer}/.well-known/openid-configuration`).then((d) => d.issuer, () => undefined);
    const endpoint = typeof declared === 'string' ? declared.replace(/\/oidc$/, '') : undefined;
    return {
      id: 'issuer.discovery',
      status: 'fail',
      summary: `discovery: the issuer does not echo itself (expected ${issuer}, declared ${String(declared)})`,
      fix: endpoint ? `set LOGTO_ENDPOINT=${endpoint} (${WHERE_ENDPOINT})` : `set LOGTO_ENDPOINT to the tenant's endpoint: ${WHERE_ENDPOINT}`,
    };
  }
  if (error instanceof DiscoveryConfigError) {
    return { id: 'issuer.discovery', status: 'fail', summary: `discovery: ${message}`, fix: `check LOGTO_ENDPOINT (${logtoEndpoint}): ${WHERE_ENDPOINT}` };
  }
  const status = (error as { cause?: unknown }).cause instanceof HttpStatusError ? ((error as { cause: HttpStatusError }).cause.status) : undefined;
  return {
    id: 'issuer.discovery',
    status: 'fail',
    summary: `discovery: ${message}`,
    fix: status && status >= 500 ? 'Logto answers with a server error: retry later, or check the Logto service' : `check that Logto runs and LOGTO_ENDPOINT (${logtoEndpoint}) reaches it: ${WHERE_ENDPOINT}`,
  };
}

/** The JWS algorithm a public JWK can verify, as Logto's keys are (EC P-256/384/521, RSA, Ed25519). */
function algorithmsOf(key: Record<string, unknown>): string[] {
  if (typeof key['alg'] === 'string') return [key['alg']];
  if (key['kty'] === 'EC') return ({ 'P-256': ['ES256'], 'P-384': ['ES384'], 'P-521': ['ES512'] } as Record<string, string[]>)[String(key['crv'])] ?? [];
  if (key['kty'] === 'RSA') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (key['kty'] === 'OKP') return ['EdDSA', 'Ed25519'];
  return [];
}

async function checkJwks(metadata: IssuerMetadata, request: Requester): Promise<Check> {
  const fix = 'Logto console → Tenant settings → Signing keys: keep at least one OIDC private key (rotate to create one)';
  let keys: unknown;
  try {
    keys = (await request<{ keys?: unknown }>(metadata.jwksUri)).keys;
  } catch (error) {
    return { id: 'issuer.jwks', status: 'fail', summary: `JWKS: ${error instanceof Error ? error.message : String(error)}`, fix: 'check that Logto is reachable; the JWKS URI comes from discovery' };
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    return { id: 'issuer.jwks', status: 'fail', summary: `JWKS at ${metadata.jwksUri} has no keys: no token can be verified`, fix };
  }
  const usable = keys.filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null && algorithmsOf(k as Record<string, unknown>).some((a) => metadata.algorithms.includes(a)));
  if (usable.length === 0) {
    return {
      id: 'issuer.jwks',
      status: 'fail',
      summary: `JWKS: none of its ${keys.length} key(s) fits the advertised algorithms (${metadata.algorithms.join(', ')})`,
      fix,
    };
  }
  return { id: 'issuer.jwks', status: 'ok', summary: `JWKS: ${usable.length} key(s) for ${metadata.algorithms.join(', ')} (JWT access tokens are verified with them)` };
}
