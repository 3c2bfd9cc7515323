import { fetchUserInfo, type UserInfoResponse } from '@logto/js';
import { createLimiter } from '../limiter.js';
import { createJsonRequester, HttpStatusError } from '../oidc/requester.js';
import { UpstreamError } from '../oidc/errors.js';
import { AuthError } from './errors.js';

export interface UserinfoVerifierOptions {
  userinfoEndpoint: string;
  timeoutMs: number;
  /** At most this many userinfo calls at once; further callers wait (bounded by the timeout). */
  concurrency: number;
  fetch?: typeof fetch;
}

/**
 * Validates an opaque access token the only way Logto allows: by calling its userinfo endpoint
 * (`/oidc/me`) with @logto/js's `fetchUserInfo`. 401/403 from the IdP → `invalid_token`; anything
 * else going wrong (timeout, 5xx, not JSON, no `sub`) → {@link UpstreamError} (503, not cached).
 *
 * An opaque token carries no audience: any token of the tenant passes. `TOKEN_VALIDATION=jwt` is
 * the strict setting.
 */
export function createUserinfoVerifier(options: UserinfoVerifierOptions) {
  const requester = createJsonRequester({ timeoutMs: options.timeoutMs, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const limit = createLimiter(options.concurrency, options.timeoutMs, () => new UpstreamError('too many identity-provider calls in flight'));
  return async (token: string): Promise<UserInfoResponse & { sub: string }> => {
    let claims: UserInfoResponse;
    try {
      claims = await limit(() => fetchUserInfo(options.userinfoEndpoint, token, requester));
    } catch (error) {
      if (error instanceof HttpStatusError && (error.status === 401 || error.status === 403)) {
        throw new AuthError('invalid_token', 'token rejected by the identity provider', { cause: error });
      }
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError('userinfo request failed', { cause: error });
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new UpstreamError(`${options.userinfoEndpoint} answered without a subject`);
    }
    return claims as UserInfoResponse & { sub: string };
  };
}
