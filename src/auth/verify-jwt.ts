import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UpstreamError } from '../oidc/errors.js';
import { AuthError } from './errors.js';

export interface JwtVerifierOptions {
  issuer: string;
  /**
   * This server's RFC 8707 resource identifiers (config's `announcedUrls().audiences`):
   * `aud` must name at least one of them. An origin-only identifier is also accepted without its `/`.
   */
  audiences: readonly string[];
  /** The one remote JWKS built at start-up (jose `createRemoteJWKSet`), so its cache and cooldown work. */
  jwks: JWTVerifyGetKey;
  /** Asymmetric algorithms the issuer advertises. Symmetric ones and `none` never pass. */
  algorithms: string[];
  /** Seconds of clock skew tolerated on exp/nbf/iat. Default 5. */
  clockTolerance?: number;
  /** For tests: the current time. */
  currentDate?: () => Date;
}

const ACCESS_TOKEN_TYP = new Set(['at+jwt', 'application/at+jwt']);

/**
 * Verifies a JWT access token (RFC 9068): signature against the issuer's JWKS, `iss` exact, `aud`
 * naming one of this server's resources, `exp` required, `typ` `at+jwt` when present. Keys in the token's header
 * (`jwk`, `jku`, `x5u`) are never used: jose resolves keys only through `jwks`.
 *
 * This does NOT check scopes; the bearer gate does that after verification.
 */
export function createJwtVerifier(options: JwtVerifierOptions) {
  // One verifier for every endpoint: a token for any of this server's resources passes on any of
  // them (they are one server, with one set of permissions). An origin-only identifier is
  // announced canonically (`http://host:port/`), but a Logto API created before that (identifier
  // without the slash) still mints `aud` without it: both spellings are the same URL, so that one
  // is accepted too. A resource with a path (`…/mcp`) is matched exactly: `…/mcp/` is another URL.
  const audience = [...new Set(options.audiences.flatMap((a) => (new URL(a).pathname === '/' ? [a.replace(/\/$/, ''), a.replace(/\/?$/, '/')] : [a])))];
  return async (token: string): Promise<JWTPayload & { sub: string; exp: number }> => {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, options.jwks, {
        issuer: options.issuer,
        audience,
        algorithms: options.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: options.clockTolerance ?? 5,
        ...(options.currentDate ? { currentDate: options.currentDate() } : {}),
      });
      if (protectedHeader.typ !== undefined && !ACCESS_TOKEN_TYP.has(protectedHeader.typ.toLowerCase())) {
        throw new AuthError('invalid_token', 'not an access token');
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthError('invalid_token', 'token has no subject');
      // jose checks `iat` against the clock only with maxTokenAge; a token issued in the future is forged or from a broken clock.
      const nowSeconds = Math.floor((options.currentDate?.() ?? new Date()).getTime() / 1000);
      if (typeof payload.iat === 'number' && payload.iat > nowSeconds + (options.clockTolerance ?? 5)) {
        throw new AuthError('invalid_token', 'token issued in the future (iat)');
      }
      return payload as JWTPayload & { sub: string; exp: number };
    } catch (error) {
      throw toAuthError(error);
    }
  };
}

/** Maps jose's error codes to RFC 6750 answers; a JWKS that cannot be fetched is the IdP's trouble (503). */
function toAuthError(error: unknown): Error {
  if (error instanceof AuthError || error instanceof UpstreamError) return error;
  if (error instanceof errors.JWKSTimeout) return new UpstreamError('JWKS fetch timed out', { cause: error });
  if (error instanceof errors.JOSEError) {
    if (error.code === 'ERR_JWKS_INVALID' || error.code === 'ERR_JOSE_GENERIC') {
      return new UpstreamError(`JWKS unusable (${error.code})`, { cause: error });
    }
    const description: Record<string, string> = {
      ERR_JWT_EXPIRED: 'token expired',
      ERR_JWT_CLAIM_VALIDATION_FAILED: 'token claims rejected',
      ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature verification failed',
      ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm not allowed',
      ERR_JWKS_NO_MATCHING_KEY: 'no matching key',
      ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ambiguous key',
    };
    const claim = error instanceof errors.JWTClaimValidationFailed ? ` (${error.claim})` : '';
    return new AuthError('invalid_token', `${description[error.code] ?? 'invalid token'}${claim}`, { cause: error });
  }
  if (error instanceof TypeError) {
    // jose reports network failures fetching the JWKS as fetch's TypeError.
    return new UpstreamError('JWKS could not be fetched', { cause: error });
  }
  return new AuthError('invalid_token', 'invalid token', { cause: error });
}
