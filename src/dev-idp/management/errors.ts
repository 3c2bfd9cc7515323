import type { Context } from 'hono';

/**
 * Logto's error body (`RequestError`: `{ message, code }`, status per code), so clients handle the
 * dev IdP's refusals the way they handle a tenant's.
 */
export function logtoError(c: Context, status: 400 | 401 | 403 | 404 | 422, code: string, message: string): Response {
  return c.json({ message, code }, status);
}
