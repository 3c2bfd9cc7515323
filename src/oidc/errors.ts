/**
 * Failures talking to the identity provider. They live here, below both src/oidc (discovery,
 * requester, JWKS fetch) and src/auth (verifiers, bearer gate), so each imports them downward.
 */

/**
 * The identity provider could not give an answer (unreachable, timeout, 5xx, garbage).
 * Answered with 503 + Retry-After — never 401, which would make clients throw away good tokens —
 * and never cached. The message names the cause for the log, never the token.
 */
export class UpstreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/** A discovery failure no retry can fix (wrong issuer, insecure endpoint, not an OIDC document). */
export class DiscoveryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryConfigError';
  }
}
