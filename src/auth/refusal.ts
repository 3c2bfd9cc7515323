import type { RefusalReason, TokenKind } from '../observe/observer.js';
import { HttpStatusError } from '../oidc/requester.js';
import type { AuthError } from './errors.js';

const BY_JOSE_CODE: Record<string, RefusalReason> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JOSE_ALG_NOT_ALLOWED: 'alg_not_allowed',
};

/** The metric's reason for a refusal (a closed list: ../observe/observer.ts), from the error and its cause. */
export function refusalReason(error: AuthError): RefusalReason {
  if (error.code === 'invalid_request') return 'malformed_request';
  if (error.code === 'insufficient_scope') return 'insufficient_scope';
  const cause = error.cause as { code?: unknown; claim?: unknown } | undefined;
  if (cause instanceof HttpStatusError) return 'rejected_by_idp';
  if (typeof cause?.code === 'string') {
    if (cause.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return cause.claim === 'aud' ? 'wrong_audience' : cause.claim === 'iss' ? 'wrong_issuer' : 'claims';
    return BY_JOSE_CODE[cause.code] ?? 'invalid_token';
  }
  return 'invalid_token';
}

/** What a presented token looks like (a label, not a verdict): three dot-separated parts → jwt. */
export function tokenKind(token: string | undefined): TokenKind {
  if (token === undefined) return 'none';
  const first = token.indexOf('.');
  if (first < 0) return 'opaque';
  const second = token.indexOf('.', first + 1);
  return second > 0 && token.indexOf('.', second + 1) === -1 ? 'jwt' : 'opaque';
}
