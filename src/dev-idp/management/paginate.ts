import type { Context } from 'hono';
import { logtoError } from './errors.js';

/**
 * Logto's pagination (`koaPagination`): `page` (from 1, default 1) and `page_size` (1–100, default
 * 20), the total in the `Total-Number` response header.
 */
export function paginate(c: Context, items: readonly unknown[]): Response {
  const page = Number(c.req.query('page') ?? 1);
  const pageSize = Number(c.req.query('page_size') ?? 20);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
    return logtoError(c, 400, 'guard.invalid_pagination', 'The request pagination value is invalid.');
  }
  c.header('Total-Number', String(items.length));
  return c.json(items.slice((page - 1) * pageSize, page * pageSize));
}
