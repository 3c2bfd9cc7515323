import { createApiClient } from '@logto/api/management';
import type { Config } from '../config.js';
import type { Secret } from '../secret.js';
import { readLimited } from '../shared/read-limited.js';
import { NOOP_OBSERVER, type Observer } from '../observe/observer.js';
import { observedFetch } from '../observe/upstream.js';
import { clientCredentialsSource } from './client-credentials.js';
import { ManagementApiError } from './errors.js';
import { createM2mToken, type M2mToken } from './m2m-token.js';

export interface ManagementClientOptions {
  /** The Logto endpoint (no `/oidc`): the Management API lives under `/api`, the token endpoint at `/oidc/token`. */
  endpoint: string;
  appId: string;
  appSecret: Secret;
  /** The Management API resource indicator, e.g. `https://default.logto.app/api`. */
  resource: string;
  /** Per call (token request and each API request), ms. */
  timeoutMs: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxBytes?: number;
  /** For the token request and the API requests (tests inject one). */
  fetch?: typeof fetch;
  /** Told every M2M access token obtained (the logs scrub it). */
  onToken?: (value: string) => void;
  /** Told (once per token) when the M2M token's scope is not `all`. */
  onScopeMismatch?: (scope: string | undefined) => void;
  /** Told of every token request and API call (metrics, spans). */
  observer?: Observer | undefined;
}

/** Logto's typed Management API client (openapi-fetch over Logto's published OpenAPI document). */
export type ManagementApi = ReturnType<typeof createApiClient>;

export interface ManagementClient {
  /**
   * Every call is bounded (timeout, body size, no redirects) and authorised with the cached M2M
   * token. HTTP errors come back as openapi-fetch's `{ error, response }`; {@link ensureOk} turns
   * them into a {@link ManagementApiError}. Transport failures and non-JSON success bodies throw one.
   */
  api: ManagementApi;
  token: M2mToken;
}

/**
 * Management API access with Logto's official `@logto/api` `createApiClient` (typed, openapi-fetch)
 * and one middleware that performs each request itself so it can bound it; the M2M token from the
 * client-credentials grant (`resource` = the Management API indicator, `scope=all`, sent as
 * @logto/api's `ClientCredentials` sends it, but never following a redirect) behind
 * {@link createM2mToken} (single-flight, timeout). A 401 drops the cached token.
 */
export function createManagementClient(options: ManagementClientOptions): ManagementClient {
  const baseUrl = options.endpoint.replace(/\/+$/, '');
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const observer = options.observer ?? NOOP_OBSERVER;
  const doFetch = observedFetch('management_api', observer, options.fetch);
  const token = createM2mToken({
    timeoutMs: options.timeoutMs,
    // Not @logto/api's ClientCredentials: it follows redirects with the secret (see ./client-credentials.ts).
    createSource: () =>
      clientCredentialsSource({
        tokenEndpoint: `${baseUrl}/oidc/token`,
        clientId: options.appId,
        clientSecret: options.appSecret,
        resource: options.resource,
        timeoutMs: options.timeoutMs,
        maxBytes,
        fetch: observedFetch('m2m_token', observer, options.fetch),
        ...(options.onToken ? { onToken: options.onToken } : {}),
      }),
    ...(options.onScopeMismatch ? { onScopeMismatch: options.onScopeMismatch } : {}),
  });
  const api = createApiClient({ baseUrl, getToken: () => token.get() });
  api.use({
    // Runs after createApiClient's own middleware has set the Authorization header.
    async onRequest({ request, schemaPath }) {
      let res: Response;
      try {
        // The signal goes in fetch's own init: a Request copied from a Request follows the timeout
        // through weak references only, and a garbage collection while the call hangs would cut
        // that chain, so the timeout would never abort it (undici#4068, nodejs/node#55428).
        res = await doFetch(request, { redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        throw transportError(error, schemaPath, options.timeoutMs);
      }
      if (res.status === 401) token.invalidate();
      let text: string;
      try {
        text = await readLimited(res.body, maxBytes, res.headers.get('content-length'));
      } catch (error) {
        throw transportError(error, schemaPath, options.timeoutMs);
      }
      if (res.ok && res.status !== 204) {
        try {
          JSON.parse(text);
        } catch (error) {
          throw new ManagementApiError('bad_response', `${schemaPath} answered HTTP ${res.status} without JSON`, { cause: error, status: res.status });
        }
      }
      const headers = { 'content-type': res.headers.get('content-type') ?? 'application/json' };
      return new Response(res.status === 204 || res.status === 304 ? null : text, { status: res.status, headers });
    },
  });
  return { api, token };
}

/** The tenant's client from LOGTO_ENDPOINT and LOGTO_M2M_APP_ID / _SECRET (doctor, setup); undefined without them. */
export function managementClientFromConfig(config: Config): ManagementClient | undefined {
  if (!config.logtoEndpoint || !config.managementApi) return undefined;
  return createManagementClient({
    endpoint: config.logtoEndpoint,
    appId: config.managementApi.appId,
    appSecret: config.managementApi.appSecret,
    resource: config.managementApi.resource,
    timeoutMs: config.upstreamTimeoutMs,
  });
}

/** Throws a {@link ManagementApiError} for a non-2xx answer of openapi-fetch; returns the data otherwise. */
export function ensureOk<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  const { status } = result.response;
  if (result.response.ok && result.data !== undefined) return result.data;
  const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : result.response.ok ? 'bad_response' : 'http_error';
  throw new ManagementApiError(code, `${what} answered HTTP ${status}`, { status });
}

function transportError(error: unknown, path: string, timeoutMs: number): ManagementApiError {
  if (error instanceof ManagementApiError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new ManagementApiError('timeout', `${path} timed out after ${timeoutMs} ms`, { cause: error });
  if (name === 'BodyTooLargeError') return new ManagementApiError('bad_response', `${path} answered a body that is too large`, { cause: error });
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  return new ManagementApiError('unreachable', `${path} unreachable${cause ? ` (${cause})` : ''}`, { cause: error });
}
