/**
 * Why a Management API call gave no answer. `unauthorized`: the M2M token was refused (401);
 * `forbidden`: the M2M app lacks the permission (403); `token_failed`: the client-credentials
 * request itself failed (wrong app ID/secret, unknown resource); the rest are transport troubles.
 */
export type ManagementApiErrorCode =
  | 'token_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'http_error'
  | 'timeout'
  | 'unreachable'
  | 'bad_response';

/**
 * A Management API failure. The message names the path and the status or cause — never the
 * M2M secret, the access token or a response body (which could echo either).
 */
export class ManagementApiError extends Error {
  constructor(
    readonly code: ManagementApiErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManagementApiError';
    this.status = options?.status;
  }
  readonly status: number | undefined;
}
