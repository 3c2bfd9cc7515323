import { buildChallenge } from './challenge.js';
import { HttpError, UNEXPECTED } from './errors.js';

/** The endpoint a bearer challenge speaks for. */
export interface ChallengeRealm {
  /** The endpoint's path-suffixed protected-resource metadata URL (RFC 9728 §5.1). */
  resourceMetadata: string;
  /** Offered in 401 challenges: what a client should ask for. */
  scopesSupported: readonly string[];
}

/**
 * The one place an error becomes an HTTP answer (as the MCP SDK's `bearerAuthChallengeResponse`
 * and node-oidc-provider's error renderer do): the status, `WWW-Authenticate` (when the error
 * carries a challenge and the endpoint is given), `Retry-After`, the error's other headers, and
 * the body — OAuth error JSON or a JSON-RPC error, by the code's type (./errors.ts). Anything that
 * is not an exposed {@link HttpError} is answered as a generic 500 `server_error`: its message and
 * stack stay in the log.
 */
export function answer(error: unknown, realm?: ChallengeRealm): Response {
  const refusal = error instanceof HttpError && error.expose ? error : UNEXPECTED;
  // A plain header record, not `Response.json(body, { headers })`: given headers, that builds a web
  // `Headers` object (and @hono/node-server then iterates it back into a record) — ≈ 4% of a
  // no-token 401's CPU samples. The answer is the same: status, these headers, a JSON body.
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (refusal.challenge && realm) headers['www-authenticate'] = challengeOf(refusal, realm);
  if (refusal.retryAfter !== undefined) headers['retry-after'] = String(refusal.retryAfter);
  if (refusal.headers) Object.assign(headers, refusal.headers);
  return new Response(JSON.stringify(bodyOf(refusal)), { status: refusal.status, headers });
}

/** Each endpoint's challenge to a request without credentials: the same every time, built once. */
const noCredentials = new WeakMap<ChallengeRealm, string>();

/**
 * RFC 6750 §3: the error code and its description when the request carried credentials; the scopes
 * the refusal names, else — on a 401 — the ones the endpoint offers; always `resource_metadata`.
 */
function challengeOf(refusal: HttpError, realm: ChallengeRealm): string {
  const { error, scope = refusal.status === 401 ? realm.scopesSupported : undefined } = refusal.challenge!;
  if (!error && scope === realm.scopesSupported) {
    let built = noCredentials.get(realm);
    if (built === undefined) noCredentials.set(realm, (built = buildChallenge({ scope, resourceMetadata: realm.resourceMetadata })));
    return built;
  }
  return buildChallenge({
    ...(error ? { error, ...(refusal.description ? { errorDescription: refusal.description } : {}) } : {}),
    ...(scope ? { scope } : {}),
    resourceMetadata: realm.resourceMetadata,
  });
}

/** A string code → OAuth error JSON (RFC 6749 §5.2); a number → a JSON-RPC 2.0 error response with no id. */
function bodyOf(refusal: HttpError): unknown {
  if (typeof refusal.code === 'number') {
    return { jsonrpc: '2.0', error: { code: refusal.code, message: refusal.description ?? '' }, id: null };
  }
  return refusal.description === undefined ? { error: refusal.code } : { error: refusal.code, error_description: refusal.description };
}
