import type { MiddlewareHandler } from 'hono';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { toAuthInfo, type Authenticator, type Identity } from './authenticate.js';
import { extractBearerToken } from './bearer-header.js';
import { answer } from '../http/answer.js';
import { HttpError, temporarilyUnavailable } from '../http/errors.js';
import { UpstreamError } from '../oidc/errors.js';
import { AuthError } from './errors.js';
import type { Logger } from '../log.js';
import { NOOP_OBSERVER, type Observer, type RefusalReason } from '../observe/observer.js';
import { refusalReason, tokenKind } from './refusal.js';

/**
 * Why the gate refused a request that carried a token, for the request's log line: the standard error
 * code, the reason (never the token), the scopes it lacked, and the fix in the user's words.
 */
export interface Refusal {
  error: string;
  reason: string;
  missingScopes?: string[];
  fix?: string;
}

export type GateVariables = { identity: Identity; authInfo: AuthInfo; refusal?: Refusal };

export interface BearerGateOptions {
  /** Undefined until discovery has succeeded: requests then get 503. */
  authenticator: () => Authenticator | undefined;
  resource: string;
  /** The path-suffixed protected-resource metadata URL for this endpoint (RFC 9728 §5.1). */
  resourceMetadata: string;
  /** Offered in 401 challenges: what a client should ask for. */
  scopesSupported: readonly string[];
  /** Every request must carry all of these (403 `insufficient_scope` otherwise). */
  requiredScopes: readonly string[];
  logger: Logger;
  /** Told why each refused request was refused. */
  observer?: Observer | undefined;
}

/** RFC 6750 §3.1: a request without credentials gets a challenge with no error code. */
const NO_CREDENTIALS = new HttpError(401, 'unauthorized', { challenge: {} });
const NOT_DISCOVERED = temporarilyUnavailable('identity provider not discovered yet');
const IDP_UNAVAILABLE = temporarilyUnavailable('the identity provider is unavailable');

/**
 * The RFC 6750 gate in front of every MCP endpoint: no credentials → 401 with a challenge and no
 * `error`; malformed → 400 `invalid_request`; bad token → 401 `invalid_token`; missing scope →
 * 403 `insufficient_scope`; identity provider trouble → 503 with Retry-After. Every challenge
 * carries `resource_metadata`; nothing from the request is echoed into a header.
 */
export function bearerGate(options: BearerGateOptions): MiddlewareHandler<{ Variables: GateVariables }> {
  const realm = { resourceMetadata: options.resourceMetadata, scopesSupported: options.scopesSupported };

  const observer = options.observer ?? NOOP_OBSERVER;
  // Parsed once, not per request (URL parsing was ≈ 0.5% of a call's CPU samples): every AuthInfo of
  // this endpoint shares it, and nothing writes to it (the SDKs compare and read it).
  const resourceUrl = new URL(options.resource);
  return async (c, next) => {
    const authenticator = options.authenticator();
    if (!authenticator) {
      observer.refused('not_ready', 'unknown');
      return answer(NOT_DISCOVERED);
    }
    let identity: Identity;
    let token: string | undefined;
    try {
      // The URL string, not a parsed URL: it is parsed only when it has a query (to refuse a second token).
      token = extractBearerToken(c.req.header('authorization'), c.req.url);
      if (token === undefined) {
        observer.refused('no_token', 'none');
        return answer(NO_CREDENTIALS, realm);
      }
      identity = await authenticator.authenticate(token);
      const missing = options.requiredScopes.filter((s) => !identity.scopes.includes(s));
      if (missing.length > 0) {
        c.set('refusal', {
          error: 'insufficient_scope',
          reason: 'the token lacks a required scope',
          missingScopes: missing,
          fix: `give the user a role that grants ${missing.join(', ')} (Logto console → Roles → Permissions); --doctor checks that a role does`,
        });
        throw new AuthError('insufficient_scope', 'the token lacks a required scope', { scope: options.requiredScopes });
      }
    } catch (error) {
      if (error instanceof AuthError) {
        const reason = refusalReason(error);
        observer.refused(reason, tokenKind(token));
        if (!c.get('refusal')) c.set('refusal', { error: error.code, reason: error.description, ...fixFor(error, reason, options.resource) });
        options.logger.debug({ code: error.code, reason: error.description }, 'bearer token refused');
        return answer(error, realm);
      }
      if (error instanceof UpstreamError) {
        observer.refused('idp_unavailable', tokenKind(token));
        options.logger.warn({ reason: error.message }, 'identity provider unavailable');
        return answer(IDP_UNAVAILABLE);
      }
      throw error;
    }
    c.set('identity', identity);
    c.set('authInfo', toAuthInfo(token, identity, resourceUrl));
    await next();
  };
}

/** The fix for a refusal whose cause is on the client's or the tenant's side, when there is one to name. */
function fixFor(error: AuthError, reason: RefusalReason, resource: string): { fix?: string } {
  if (reason === 'wrong_audience') {
    return { fix: `the token was issued for another resource: the client must ask for resource=${resource}, the Logto API identifier (--doctor checks it exists)` };
  }
  if (error.description === 'a JWT access token is required') {
    return { fix: `the client asked for no resource (an opaque token): it must send resource=${resource} (TOKEN_VALIDATION=jwt refuses opaque tokens)` };
  }
  return {};
}
