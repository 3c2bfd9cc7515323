import type { McpServer } from '@modelcontextprotocol/server';
import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { ServerResponse } from 'node:http';
import { bearerGate, type GateVariables } from './auth/bearer-gate.js';
import type { Authenticator, Identity } from './auth/authenticate.js';
import type { Cluster } from './cluster/index.js';
import { isLoopbackHost } from './shared/loopback-host.js';
import { answer } from './http/answer.js';
import { HttpError, NOT_FOUND } from './http/errors.js';
import { loopbackHostnames, originGuard } from './http/guard.js';
import type { RpcVariables } from './http/jsonrpc.js';
import { mcpSpan } from './http/mcp-span.js';
import { metadataRoutes } from './http/metadata.js';
import { eraOf, routeOf } from './http/request-metrics.js';
import { publicUrlHint } from './http/public-url-hint.js';
import { redactedPath, subjectTag, type Logger } from './log.js';
import type { Observer } from './observe/observer.js';
import { whoamiTool } from './mcp/tools/whoami.js';
import type { McpDeps } from './mcp/deps.js';
import type { IssuerMetadata } from './oidc/discover.js';
import { sseMessageHandler, sseStreamHandler } from './transports/sse-2024-11-05.js';
import type { SessionRegistry } from './transports/sessions.js';
import { eraRouter, type EraVariables } from './transports/era-router.js';

/** Everything the HTTP layer needs; resolved after the server listens and knows its URL. */
export interface AppOptions {
  /** Externally visible base URL, no trailing slash. */
  publicUrl: string;
  /** Each endpoint's resource identifier: /mcp → `mcp`, /sse and /messages → `sse` (config's announcedUrls). */
  resources: { readonly mcp: string; readonly sse: string };
  /** Where the server listens; on loopback the Host header is checked too (DNS rebinding). */
  listenHost: string;
  scopesSupported: readonly string[];
  requiredScopes: readonly string[];
  allowedOrigins: readonly string[];
  stateless: boolean;
  maxBodyBytes: number;
  sseKeepAliveMs?: number;
  sessions: SessionRegistry;
  logger: Logger;
  /** Test seam: adds to every 2026-07-28 MCP server instance (the conformance suite's probes). */
  extendServer2026_07_28?: ((server: McpServer) => void) | undefined;
  /** Replicas sharing state through Redis (REDIS_URL); undefined → one process. */
  cluster?: Cluster;
  /** What the MCP tools need (whoami's Logto profile). */
  mcpDeps?: McpDeps;
  /** Metrics, audit line, tracing (src/observe/); undefined → none. */
  observer?: Observer | undefined;
  /** True when PUBLIC_URL is unset (the server announces localhost): a request under another Host gets a warning naming the fix. */
  publicUrlDefaulted?: boolean;
  /** Live readiness: undefined until discovery has succeeded. */
  state: () => { metadata: IssuerMetadata; authenticator: Authenticator } | undefined;
}

const MCP_CORS = {
  allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'Last-Event-ID'],
  exposeHeaders: ['Mcp-Session-Id', 'Mcp-Protocol-Version', 'WWW-Authenticate'],
  allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
  maxAge: 600,
};

/** Assembles the routes. No I/O here: the caller owns listening, discovery and shutdown. */
export function createApp(options: AppOptions): Hono<{ Variables: GateVariables & EraVariables & RpcVariables }> {
  const app = new Hono<{ Variables: GateVariables & EraVariables & RpcVariables }>();
  const publicUrl = new URL(options.publicUrl);
  const publicPath = publicUrl.pathname.replace(/\/$/, '');
  const prm = (suffix: string) => `${publicUrl.origin}/.well-known/oauth-protected-resource${publicPath}${suffix}`;

  // Every request of the public listener is counted and timed when metrics are on (METRICS_PORT).
  const metrics = options.observer?.metrics ? options.observer : undefined;
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const refusal = c.get('refusal') as GateVariables['refusal'] | undefined;
    // A 401 without a token is every client's first contact (debug); a refused token is worth a line.
    const level = (status === 401 && !refusal) || c.req.path === '/healthz' || c.req.path === '/readyz' ? 'debug' : status >= 500 ? 'warn' : 'info';
    const logged = options.logger.isLevelEnabled(level);
    if (!metrics && !logged) return;
    // One clock reading serves the request metric and the log line.
    const ms = performance.now() - started;
    metrics?.request(routeOf(c.req.path), c.req.method, status, eraOf(c), ms / 1000);
    // Build the line only when it will be written (401s are debug: at the default level they are not).
    if (!logged) return;
    const identity = c.get('identity') as Identity | undefined;
    const line = {
      method: c.req.method,
      path: redactedPath(new URL(c.req.url)),
      status,
      ms: Math.round(ms * 10) / 10,
      ...(identity ? { sub: subjectTag(identity.issuer, identity.subject), via: identity.tokenType } : {}),
      ...(c.get('era') ? { era: c.get('era') } : {}),
      ...(refusal ? { refusal } : {}),
    };
    options.logger[level](line, 'request');
  });

  if (options.publicUrlDefaulted) app.use('*', publicUrlHint(publicUrl, options.logger));

  const cluster = options.cluster;
  if (cluster) {
    // Which replica the balancer picked (a forwarded answer also names the holder: X-Session-Holder).
    // Set on Node's response, not on the web Response: touching that one's headers would turn
    // every reply into a materialised web stream (see mcpCors below).
    app.use('*', async (c, next) => {
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      if (outgoing) outgoing.setHeader('x-replica', cluster.replicaId);
      await next();
      if (!outgoing) c.res.headers.set('x-replica', cluster.replicaId);
    });
  }

  app.route(
    '/',
    metadataRoutes({
      resources: options.resources,
      publicPath,
      issuer: () => options.state()?.metadata.issuer,
      issuerMetadata: () => options.state()?.metadata.raw,
      scopesSupported: options.scopesSupported,
      resourceName: 'Logto whoami MCP server',
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    if (!options.state()) return c.json({ status: 'discovering' }, 503);
    if (!cluster) return c.json({ status: 'ready' });
    // Redis down is reported, not failed: this replica still serves JWTs, opaque tokens (validated
    // locally) and its own sessions; taking every replica out of the balancer would serve nothing.
    return cluster.redisUp() ? c.json({ status: 'ready', redis: 'up' }) : c.json({ status: 'degraded', redis: 'unreachable' });
  });

  const allowedOrigins = new Set([publicUrl.origin, ...options.allowedOrigins]);
  const guard = originGuard({ allowedOrigins, allowedHostnames: isLoopbackHost(options.listenHost) ? loopbackHostnames(publicUrl) : undefined });
  const corsMiddleware = cors({ ...MCP_CORS, origin: (origin) => (allowedOrigins.has(origin) ? origin : null) });
  // CORS headers matter to browsers only, and they always send Origin. hono's cors touches the
  // response before the handler runs, which makes every reply go through a materialised web
  // Response stream; requests without Origin (and not a preflight) skip it.
  const mcpCors: MiddlewareHandler = (c, next) =>
    c.req.method === 'OPTIONS' || c.req.header('origin') !== undefined ? corsMiddleware(c, next) : next();
  // Each endpoint's challenge points at its own resource's document (RFC 9728 §5.1).
  const gate = (endpoint: 'mcp' | 'sse') =>
    bearerGate({
      authenticator: () => options.state()?.authenticator,
      resource: options.resources[endpoint],
      resourceMetadata: prm(`/${endpoint}`),
      scopesSupported: options.scopesSupported,
      requiredScopes: options.requiredScopes,
      logger: options.logger,
      observer: options.observer,
    });

  // One gate, then the era: 2026-07-28 (SDK v2, stateless) or 2025 (SDK v1, sessions). With
  // replicas, a 2025 session held elsewhere is routed to its holder first.
  const mcp = eraRouter({ sessions: options.sessions, stateless: options.stateless, maxBodyBytes: options.maxBodyBytes, logger: options.logger, mcpDeps: options.mcpDeps, extendServer2026_07_28: options.extendServer2026_07_28 });
  const pass: MiddlewareHandler = (_c, next) => next();
  const route = (kind: 'streamable' | 'sse') => (cluster ? cluster.route(kind) : pass);
  // With tracing on, a server span per MCP request, around everything else on the route.
  const tracing = options.observer?.tracing;
  const tools = new Set([whoamiTool.name]);
  const span = (transport: 'streamable-http' | 'sse') => (tracing ? mcpSpan({ tracing, transport, tools }) : pass);
  // The /mcp chain, the one every call runs: a span or a route that is off is left out, not passed
  // through — each handler in a hono chain is one more async step per request.
  const mcpChain: MiddlewareHandler[] = [...(tracing ? [span('streamable-http')] : []), mcpCors, guard, gate('mcp') as MiddlewareHandler, ...(cluster ? [route('streamable')] : [])];
  app.on(['POST', 'GET', 'DELETE', 'OPTIONS'], '/mcp', ...(mcpChain as [MiddlewareHandler, ...MiddlewareHandler[]]), mcp);

  const sse = { sessions: options.sessions, messagesPath: `${publicPath}/messages`, keepAliveMs: options.sseKeepAliveMs ?? 15_000, maxBodyBytes: options.maxBodyBytes, mcpDeps: options.mcpDeps };
  app.on(['GET', 'OPTIONS'], '/sse', span('sse'), mcpCors, guard, gate('sse'), route('sse'), sseStreamHandler(sse));
  app.on(['POST', 'OPTIONS'], '/messages', span('sse'), mcpCors, guard, gate('sse'), route('sse'), sseMessageHandler(sse));

  app.notFound(() => answer(NOT_FOUND));
  app.onError((error) => {
    // A refusal thrown on purpose is answered as it is; anything else is logged (never a token: no
    // error here carries one) and answered as a generic 500.
    if (!(error instanceof HttpError && error.expose)) options.logger.error({ err: { name: error.name, message: error.message } }, 'unhandled error');
    return answer(error);
  });
  return app;
}
