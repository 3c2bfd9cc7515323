import { HttpError } from '../http/errors.js';

/** RFC 6750 §3.1 error codes this resource server answers with. */
export type AuthErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

const STATUS: Record<AuthErrorCode, 400 | 401 | 403> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

/**
 * A bearer-token failure: an {@link HttpError} whose status is derived from the code and which
 * carries a challenge. `description` goes into the `error_description` challenge parameter and
 * body, so it must never contain the token or other input.
 */
export class AuthError extends HttpError {
  declare readonly status: 400 | 401 | 403;
  declare readonly code: AuthErrorCode;
  declare readonly description: string;
  constructor(code: AuthErrorCode, description: string, options?: { cause?: unknown; scope?: readonly string[] }) {
    super(STATUS[code], code, { description, challenge: { error: code, scope: options?.scope }, cause: options?.cause });
    this.name = 'AuthError';
  }
}
