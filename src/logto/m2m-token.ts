import { ManagementApiError } from './errors.js';

/** What a token source answers: the shape of @logto/api's `ClientCredentials`, which {@link clientCredentialsSource} mirrors. */
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
}

export interface M2mToken {
  /** A valid Management API access token (cached, renewed single-flight). */
  get(): Promise<string>;
  /** Forget the cached token (after a 401): the next {@link get} asks the token endpoint. */
  invalidate(): void;
}

/**
 * Wraps a token source that caches the token until shortly before it expires (./client-credentials.ts)
 * with what a cache alone lacks: single-flight (N concurrent cold callers make one token request), a
 * caller-side timeout, and invalidation (after a 401 from the Management API).
 */
export function createM2mToken(options: M2mTokenOptions): M2mToken {
  let source = options.createSource();
  let inflight: Promise<{ value: string; scope?: string }> | undefined;
  let warnedFor: string | undefined;

  const load = () => {
    const current = source;
    const pending = current
      .getAccessToken()
      .catch((error: unknown) => {
        // A source's own ManagementApiError says what failed in words it chose; any other error's
        // message could repeat what the token endpoint answered (an echo of the secret), so it is dropped.
        if (error instanceof ManagementApiError) throw error;
        throw new ManagementApiError('token_failed', 'M2M token request failed', { cause: error });
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
    },
  };
}
