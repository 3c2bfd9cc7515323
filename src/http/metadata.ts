import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { answer } from './answer.js';
import { NOT_FOUND, temporarilyUnavailable } from './errors.js';

export interface MetadataOptions {
  /** Each endpoint's RFC 8707 resource identifier, exactly as announced (config's announcedUrls). */
  resources: { readonly mcp: string; readonly sse: string };
  /** PUBLIC_URL's path ('' at the root): metadata lives at /.well-known/…{publicPath}{/mcp,/sse,''}. */
  publicPath: string;
  /** The issuer exactly as discovered; undefined until then. */
  issuer: () => string | undefined;
  /** The issuer's metadata document as served; undefined until discovered. */
  issuerMetadata: () => Readonly<Record<string, unknown>> | undefined;
  scopesSupported: readonly string[];
  resourceName: string;
}

/** Until discovery no document can name the issuer: 503 with Retry-After, no description. */
const NOT_DISCOVERED = temporarilyUnavailable();

/**
 * RFC 9728 protected-resource metadata: the path-suffixed document of each endpoint names that
 * endpoint's resource (§3.3: the `resource` is the identifier the suffix was derived from) —
 * `…/mcp` names `${PUBLIC_URL}/mcp`, `…/sse` names `${PUBLIC_URL}/sse`; the root document names
 * /mcp's, the primary endpoint (a client that starts from the bare origin is sent to /mcp). There is
 * no `…/messages` document (404): no resource identifier ends in /messages — /messages belongs to
 * the /sse resource and its 401 challenges point at the /sse document — and §3.3 would oblige a
 * client that fetched `…/messages` to refuse any other `resource`. With MCP_RESOURCE every document
 * names that one identifier. Each is served with and without PUBLIC_URL's path in the suffix. Plus a mirror of the issuer's metadata at `/.well-known/oauth-authorization-server` for
 * 2025-03-26-era clients that look on the MCP server's origin. Built from configuration only:
 * the request's Host never changes what is said. CORS `*`; no authentication.
 */
export function metadataRoutes(options: MetadataOptions): Hono {
  const app = new Hono();
  app.use('/.well-known/*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'] }));

  const { mcp, sse } = options.resources;
  const bySuffix = new Map(
    ([['', mcp], ['/mcp', mcp], ['/sse', sse]] as const).flatMap(([s, resource]) => [
      [s, resource],
      [`${options.publicPath}${s}`, resource],
    ]),
  );
  app.get('/.well-known/oauth-protected-resource/*', (c) => {
    const resource = bySuffix.get(c.req.path.slice('/.well-known/oauth-protected-resource'.length));
    return resource ? protectedResource(c, resource) : answer(NOT_FOUND);
  });
  app.get('/.well-known/oauth-protected-resource', (c) => protectedResource(c, mcp));

  function protectedResource(c: Context, resource: string) {
    const issuer = options.issuer();
    if (!issuer) return answer(NOT_DISCOVERED);
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({
      resource,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: options.scopesSupported,
      resource_name: options.resourceName,
    });
  }

  app.get('/.well-known/oauth-authorization-server', (c) => {
    const metadata = options.issuerMetadata();
    if (!metadata) return answer(NOT_DISCOVERED);
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(metadata);
  });
  return app;
}
