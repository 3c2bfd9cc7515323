import type { Context } from 'hono';
import type { Era, EraLabel, Route } from '../observe/observer.js';

/** The route label of a request path (a closed list: anything unknown is `other`). */
export function routeOf(path: string): Route {
  switch (path) {
    case '/mcp':
    case '/sse':
    case '/messages':
    case '/healthz':
    case '/readyz':
      return path;
    default:
      return path.startsWith('/.well-known/') ? '/.well-known' : 'other';
  }
}

/**
 * The protocol era that served the request: what the era router chose on /mcp; on /sse and
 * /messages, 2024-11-05 once the gate let the request through; `none` for everything else.
 */
export function eraOf(c: Context): EraLabel {
  const era = c.get('era') as Era | undefined;
  if (era !== undefined) return era;
  if (c.get('identity') !== undefined && (c.req.path === '/sse' || c.req.path === '/messages')) return '2024-11-05';
  return 'none';
}
