import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';

export interface MetadataOptions {
  /** RFC 8707 resource identifier, exactly as configured. */
  resource: string;
  /** PUBLIC_URL's path ('' at the root): metadata lives at /.well-known/…{publicPath}{/mcp,/sse,''}. */
  publicPath: string;
  /** The issuer exactly as discovered; undefined until then. */
  issuer: () => string | undefined;
  /** The issuer's metadata document as served; undefined until discovered. */
  issuerMetadata: () => Readonly<Record<string, unknown>> | undefined;
  scopesSupported: readonly string[];
  resourceName: string;
}

/**
 * RFC 9728 protected-resource metadata at the root and the path-suffixed forms for `/mcp` and
 * `/sse`, plus a mirror of the issuer's metadata at `/.well-known/oauth-authorization-server` for
 * 2025-03-26-era clients that look on the MCP server's origin. Built from configuration only:
 * the request's Host never changes what is said. CORS `*`; no authentication.
 */
export function metadataRoutes(options: MetadataOptions): Hono {
  const app = new Hono();
  app.use('/.well-known/*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'] }));

  const suffixes = new Set(['', '/mcp', '/sse', '/messages'].flatMap((s) => [s, `${options.publicPath}${s}`]));
  app.get('/.well-known/oauth-protected-resource/*', (c) => {
    const suffix = c.req.path.slice('/.well-known/oauth-protected-resource'.length);
    return suffixes.has(suffix) ? protectedResource(c) : c.json({ error: 'not_found' }, 404);
  });
  app.get('/.well-known/oauth-protected-resource', (c) => protectedResource(c));

  function protectedResource(c: Context) {
    const issuer = options.issuer();
    if (!issuer) {
      c.header('Retry-After', '5');
      return c.json({ error: 'temporarily_unavailable' }, 503);
    }
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({
      resource: options.resource,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: options.scopesSupported,
      resource_name: options.resourceName,
    });
  }

  app.get('/.well-known/oauth-authorization-server', (c) => {
    const metadata = options.issuerMetadata();
    if (!metadata) {
      c.header('Retry-After', '5');
      return c.json({ error: 'temporarily_unavailable' }, 503);
    }
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(metadata);
  });
  return app;
}
