import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log.js';

/** Distinct Host values warned about, at most (a client spraying Host headers cannot grow the set). */
const MAX_HOSTS = 8;

/**
 * With PUBLIC_URL unset the server announces `http://localhost:<port>`; a client that reached it as
 * `http://127.0.0.1:<port>` compares the protected-resource metadata's `resource` with the URL it used
 * and refuses ("Protected resource http://localhost:…/mcp does not match expected http://127.0.0.1:…/mcp").
 * The server sees the cause — a Host that is not PUBLIC_URL's — and says the fix once per such Host:
 * use the announced URL, or set PUBLIC_URL to the URL clients use.
 */
export function publicUrlHint(publicUrl: URL, logger: Logger): MiddlewareHandler {
  const warned = new Set<string>();
  return (c, next) => {
    const host = c.req.header('host')?.toLowerCase();
    if (host && host !== publicUrl.host && !warned.has(host) && warned.size < MAX_HOSTS) {
      warned.add(host);
      const reachedAs = `${publicUrl.protocol}//${host}`;
      logger.warn(
        { event: 'public_url.mismatch', reachedAs, announced: publicUrl.origin, fix: `use localhost or set PUBLIC_URL: ${publicUrl.origin}/mcp, or PUBLIC_URL=${reachedAs}` },
        `reached as ${reachedAs}, but the server announces ${publicUrl.origin} (PUBLIC_URL unset): clients that compare the resource with the URL they used refuse it — use localhost or set PUBLIC_URL`,
      );
    }
    return next();
  };
}
