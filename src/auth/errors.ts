/** RFC 6750 §3.1 error codes this resource server answers with. */
export type AuthErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

const STATUS: Record<AuthErrorCode, 400 | 401 | 403> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

/**
 * A bearer-token failure. The status is derived from the code; `description` goes into the
 * `error_description` challenge parameter, so it must never contain the token or other input.
 */
export class AuthError extends Error {
  readonly status: 400 | 401 | 403;
  constructor(
    readonly code: AuthErrorCode,
    readonly description: string,
    options?: { cause?: unknown; scope?: readonly string[] },
  ) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.status = STATUS[code];
    this.scope = options?.scope;
  }
  readonly scope: readonly string[] | undefined;
}

