import type { Context } from 'hono';

/**
 * Logto's error body (`RequestError`: `{ message, code }`, status per code), so clients handle the
 * dev IdP's refusals the way they handle a tenant's.
 */
export function logtoError(c: Context, status: 400 | 401 | 403 | 404 | 422, code: string, message: string): Response {
  return c.json({ message, code }, status);
}

/** Logto's answer to a request body its guard refuses. */
export function invalidInput(c: Context): Response {
  return logtoError(c, 400, 'guard.invalid_input', 'The request body is invalid.');
}
