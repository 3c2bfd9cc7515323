import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { observedCall } from '../observe/upstream.js';
import { ManagementApiError } from './errors.js';

/** The part of @logto/api's `ClientCredentials` this module relies on. */
export interface AccessTokenSource {
  getAccessToken(): Promise<{ value: string; expiresAt: number; scope?: string }>;
}

export interface M2mTokenOptions {
  /** Builds a fresh source: called at start and after {@link M2mToken.invalidate}. */
  createSource: () => AccessTokenSource;
  /** How long a caller waits for a token request, ms. */
  timeoutMs: number;
  /** Called once per token whose `scope` is not `all` (the Management API then answers 403s). */
  onScopeMismatch?: (scope: string | undefined) => void;
  /** Told of each token request that goes to the token endpoint (not the source's cached answers). */
  observer?: Observer | undefined;
}

export interface M2mToken {
  /** A valid Management API access token (cached, renewed single-flight). */
  get(): Promise<string>;
  /** Forget the cached token (after a 401): the next {@link get} asks the token endpoint. */
  invalidate(): void;
}

/**
 * Wraps @logto/api's `ClientCredentials`, which already caches the token until 60 s before it
 * expires, with what it lacks: single-flight (its cache check and fetch are not guarded, so N
 * concurrent cold callers make N token requests), a timeout (its `fetch` has none), and
 * invalidation. A timed-out request is abandoned, not aborted (its fetch takes no signal): the next
 * caller starts a new one, so a hung token endpoint holds at most one socket per timeout period.
 */
export function createM2mToken(options: M2mTokenOptions): M2mToken {
  let source = options.createSource();
  let inflight: Promise<{ value: string; scope?: string }> | undefined;
  let warnedFor: string | undefined;
  const observer = options.observer ?? NOOP_OBSERVER;
  /** The source's last answer: while it is valid (its own 60 s leeway) the source asks nobody. */
  let last: { expiresAt: number } | undefined;

  const load = () => {
    const current = source;
    const fetches = last === undefined || last.expiresAt <= Math.floor(Date.now() / 1000) + 60;
    const request = fetches ? observedCall('m2m_token', observer, () => current.getAccessToken()) : current.getAccessToken();
    const pending = request
      .then((token) => {
        if (current === source) last = token;
        return token;
      })
      .catch((error: unknown) => {
        // @logto/api's ClientCredentialsError says "Failed to fetch access token: 401 Unauthorized":
        // the status, never the secret it sent.
        throw new ManagementApiError('token_failed', `M2M token request failed (${error instanceof Error ? error.message : 'unknown error'})`, { cause: error });
      })
      .finally(() => {
        if (inflight === pending) inflight = undefined;
      });
    inflight = pending;
    return pending;
  };

  return {
    async get() {
      const pending = inflight ?? load();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          if (inflight === pending) inflight = undefined;
          reject(new ManagementApiError('timeout', `M2M token request timed out after ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      });
      try {
        const token = await Promise.race([pending, timeout]);
        if (token.scope !== 'all' && warnedFor !== token.value) {
          warnedFor = token.value;
          options.onScopeMismatch?.(token.scope);
        }
        return token.value;
      } finally {
        clearTimeout(timer);
      }
    },
    invalidate() {
      source = options.createSource();
      inflight = undefined;
      last = undefined;
    },
  };
}
