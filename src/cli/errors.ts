/**
 * The CLI's one error type: a stable `code` a caller (or a test) can branch on, and a message
 * meant for a human. Messages never contain tokens, codes or client secrets.
 */
export type CliErrorCode =
  | 'usage'
  | 'not_logged_in'
  | 'login_required'
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'authorization_denied'
  | 'invalid_target'
  | 'port_in_use'
  | 'callback_timeout'
  | 'discovery_failed'
  | 'no_client'
  | 'registration_failed'
  | 'insufficient_scope'
  | 'unauthorized'
  | 'lock_timeout'
  | 'tool_error';

export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }

  /** Process exit status: 2 for a usage error, 1 for everything else. */
  get exitCode(): number {
    return this.code === 'usage' ? 2 : 1;
  }
}
