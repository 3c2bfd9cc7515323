/**
 * The bearer challenge that goes with a refusal (RFC 6750 §3). `resource_metadata` and the scopes
 * the endpoint offers come from the endpoint, at rendering (./answer.ts).
 */
export interface BearerChallenge {
  /** The RFC 6750 §3.1 error code; absent when the request carried no credentials. */
  error?: string;
  /** The scopes the refusal names (`insufficient_scope`: the required ones); absent → the endpoint's offered scopes on a 401, none otherwise. */
  scope?: readonly string[] | undefined;
}

export interface HttpErrorOptions {
  /** OAuth: `error_description` (optional); JSON-RPC: the error's `message`. Never request input, never a secret. */
  description?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Other response headers the refusal needs (`Allow`, `Connection`). */
  headers?: Readonly<Record<string, string>>;
  /** A `WWW-Authenticate: Bearer` challenge goes with the answer. */
  challenge?: BearerChallenge;
  cause?: unknown;
}

/**
 * A refusal the server answers on purpose — the one error model of the HTTP layer. The `code`
 * chooses the body: a string is an OAuth error code (RFC 6749 §5.2 / RFC 6750 §3.1 JSON:
 * `{ error, error_description? }`), a number a JSON-RPC 2.0 error code (the MCP transports'
 * `{ jsonrpc, error: { code, message }, id: null }`). Rendered by ./answer.ts only.
 */
export class HttpError extends Error {
  readonly code: string | number;
  readonly description: string | undefined;
  readonly retryAfter: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly challenge: BearerChallenge | undefined;
  /**
   * Said to the client as it is: below 500 (node-oidc-provider's `expose`), or a 5xx that tells the
   * client when to come back (`Retry-After`). Anything else is answered as a generic 500.
   */
  readonly expose: boolean;

  constructor(
    readonly status: number,
    code: string | number,
    options: HttpErrorOptions = {},
  ) {
    super(options.description ?? String(code), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.code = code;
    this.description = options.description;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers;
    this.challenge = options.challenge;
    this.expose = status < 500 || options.retryAfter !== undefined;
  }
}

/** How long a client waits before asking again while the identity provider is not known or not answering. */
const IDP_RETRY_AFTER_SECONDS = 5;

/** 503 while the identity provider is not discovered yet or not answering (the metadata routes say it without a description). */
export function temporarilyUnavailable(description?: string): HttpError {
  return new HttpError(503, 'temporarily_unavailable', { ...(description ? { description } : {}), retryAfter: IDP_RETRY_AFTER_SECONDS });
}

/** No route, or no document at that path. */
export const NOT_FOUND = new HttpError(404, 'not_found');

/** What anything unexpected is answered as: no stack, no message, no secret. */
export const UNEXPECTED = new HttpError(500, 'server_error');
