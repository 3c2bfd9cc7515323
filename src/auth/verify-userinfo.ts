import { fetchUserInfo, type UserInfoResponse } from '@logto/js';
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

/** A counting semaphore whose waiters give up after `timeoutMs`. */
function createLimiter(max: number, timeoutMs: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(go), 1);
          reject(new UpstreamError('too many identity-provider calls in flight'));
        }, timeoutMs);
        const go = () => {
          clearTimeout(timer);
          resolve();
        };
        queue.push(go);
      });
    } else {
      active++;
    }
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
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
  const limit = createLimiter(options.concurrency, options.timeoutMs);
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
