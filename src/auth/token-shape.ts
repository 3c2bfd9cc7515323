import { AuthError } from './errors.js';

/**
 * Non-empty base64url without padding: the alphabet of JWT segments and of oidc-provider's (Logto's)
 * opaque tokens. A loop, not a RegExp: V8 keeps the last RegExp subject alive (RegExp.input), and
 * the raw token must not outlive the request (RFC 6819 §5.1.4.1.3; test/security/cache.test.ts).
 */
function isBase64url(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

export interface TokenShapeOptions {
  /** JWS algorithms a JWT may name (the issuer's asymmetric ones); anything else, `none` included, is refused. */
  algorithms: readonly string[];
  /**
   * Length bounds of an opaque token, in characters. oidc-provider (and so Logto) issues nanoid
   * ids of `bitsOfOpaqueRandomness / 6` characters: 43 by default (256 bits), never under 22 (128).
   */
  opaqueLength: { min: number; max: number };
}

export const DEFAULT_OPAQUE_LENGTH = Object.freeze({ min: 22, max: 128 });

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plausibility gate, run before any upstream call, so that a token which cannot be the issuer's costs
 * the issuer nothing: says which path a token may take, or refuses it with 401 `invalid_token`.
 *
 * - A token with a dot is a JWT or nothing (opaque tokens are base64url, which has no dot): it must
 *   be three non-empty base64url segments, a JSON header naming an allowed `alg` (so `none`, `HS*`
 *   and an empty signature are refused here), a JSON payload. Whether it verifies is the JWT
 *   verifier's job — locally, against the cached JWKS.
 * - Anything else must look like the issuer's opaque tokens: base64url, within `opaqueLength`.
 *
 * This does NOT prove a token valid; it only stops tokens that cannot be the issuer's from costing a
 * call to it. Refusal messages never contain the token.
 */
export function judgeTokenShape(token: string, options: TokenShapeOptions): 'jwt' | 'opaque' {
  if (token.includes('.')) {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every(isBase64url)) throw new AuthError('invalid_token', 'malformed JWT');
    const alg = jsonObject(parts[0]!)?.['alg'];
    if (typeof alg !== 'string') throw new AuthError('invalid_token', 'malformed JWT');
    if (!options.algorithms.includes(alg)) throw new AuthError('invalid_token', 'algorithm not allowed');
    if (!jsonObject(parts[1]!)) throw new AuthError('invalid_token', 'malformed JWT');
    return 'jwt';
  }
  const { min, max } = options.opaqueLength;
  if (!isBase64url(token) || token.length < min || token.length > max) {
    throw new AuthError('invalid_token', 'not an access token of this issuer');
  }
  return 'opaque';
}
