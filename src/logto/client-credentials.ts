import { readLimited } from '../shared/read-limited.js';
import type { Secret } from '../secret.js';
import { ManagementApiError } from './errors.js';
import type { AccessTokenSource } from './m2m-token.js';

export interface ClientCredentialsOptions {
  /** `${LOGTO_ENDPOINT}/oidc/token`, as @logto/api's `createManagementApi` derives it. */
  tokenEndpoint: string;
  clientId: string;
  clientSecret: Secret;
  /** The Management API indicator, sent as `resource` with `scope=all`. */
  resource: string;
  timeoutMs: number;
  maxBytes: number;
  fetch: typeof fetch;
  /** Told every access token this source obtains, so the logs can scrub it. */
  onToken?: (value: string) => void;
}

/** The error codes of RFC 6749 §5.2 and RFC 8707 §2: the only upstream words an error message repeats. */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target']);

/** Renew this many seconds before expiry, as @logto/api's `ClientCredentials` does. */
const EXPIRY_LEEWAY_S = 60;

/**
 * The client-credentials grant for the Management API: the request @logto/api's `ClientCredentials`
 * sends (form body, `client_secret_post`, `resource` + `scope=all`), and its caching (until 60 s
 * before expiry) — sent by us because that class calls the global `fetch` with its defaults: it
 * follows redirects (a 307/308 re-posts the form, secret included, to wherever `Location` says) and
 * has no timeout or size cap, and its error message repeats the token endpoint's status text. Here a
 * redirect is an error and nothing is re-sent, the request is aborted at `timeoutMs`, the answer is
 * capped at `maxBytes`, and an error message holds the status and at most a standard OAuth error
 * code — never text the endpoint chose, which could echo the secret.
 */
export function clientCredentialsSource(options: ClientCredentialsOptions): AccessTokenSource {
  let cached: { value: string; expiresAt: number; scope?: string } | undefined;
  const fail = (message: string, cause?: unknown) => new ManagementApiError('token_failed', `the M2M token endpoint ${message}`, cause === undefined ? undefined : { cause });

  const request = async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret.reveal(),
      resource: options.resource,
      scope: 'all',
    });
    let res: Response;
    try {
      res = await options.fetch(options.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') throw new ManagementApiError('timeout', `M2M token request timed out after ${options.timeoutMs} ms`, { cause: error });
      const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      throw fail(`is unreachable${typeof code === 'string' ? ` (${code})` : ''}`, error);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      throw fail(`answered a redirect (HTTP ${res.status}); it was not followed and nothing was re-sent — LOGTO_ENDPOINT must be the tenant's own URL`);
    }
    let text: string;
    try {
      text = await readLimited(res.body, options.maxBytes, res.headers.get('content-length'));
    } catch (error) {
      throw fail(`answered HTTP ${res.status} with an unreadable or too large body`, error);
    }
    const data = parseObject(text);
    if (!res.ok) {
      const code = typeof data?.['error'] === 'string' && OAUTH_ERRORS.has(data['error']) ? `: ${data['error']}` : '';
      throw fail(`answered HTTP ${res.status}${code}`);
    }
    const token = data?.['access_token'];
    const expiresIn = data?.['expires_in'];
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number') throw fail(`answered HTTP ${res.status} without an access token`);
    options.onToken?.(token);
    const scope = data?.['scope'];
    return { value: token, expiresAt: Math.floor(Date.now() / 1000) + expiresIn, ...(typeof scope === 'string' ? { scope } : {}) };
  };

  return {
    async getAccessToken() {
      if (!cached || cached.expiresAt <= Math.floor(Date.now() / 1000) + EXPIRY_LEEWAY_S) cached = await request();
      return cached;
    },
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
