import type { MiddlewareHandler } from 'hono';

export interface GuardOptions {
  /** Browser origins allowed to call the MCP endpoints (the server's own always is). */
  allowedOrigins: ReadonlySet<string>;
  /** `Host` values accepted; undefined → any (the server is not on loopback: a proxy decides). */
  allowedHosts: ReadonlySet<string> | undefined;
}

/**
 * DNS-rebinding and cross-site protection for the MCP endpoints (the SDK leaves it off by default):
 * a present `Origin` that is not allowed, or a `Host` that is not this server's, gets 403 before
 * any authentication work — and so before any call to the identity provider.
 */
export function originGuard(options: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !options.allowedOrigins.has(origin)) {
      return c.json({ error: 'forbidden', error_description: 'origin not allowed' }, 403);
    }
    if (options.allowedHosts && !options.allowedHosts.has((c.req.header('host') ?? '').toLowerCase())) {
      return c.json({ error: 'forbidden', error_description: 'host not allowed' }, 403);
    }
    await next();
  };
}
