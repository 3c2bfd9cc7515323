import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createRemoteJWKSet, customFetch } from 'jose';
import { createApp } from './app.js';
import { createAuthenticator, type Authenticator } from './auth/authenticate.js';
import { UpstreamError } from './auth/errors.js';
import { createJwtVerifier } from './auth/verify-jwt.js';
import { createUserinfoVerifier } from './auth/verify-userinfo.js';
import { isLoopbackHost, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { DiscoveryConfigError, discoverIssuer, type IssuerMetadata } from './oidc/discover.js';
import { limitedFetch } from './oidc/limited-fetch.js';
import { SessionRegistry } from './transports/sessions.js';

/** Redirect URIs MCP Inspector uses (web UI, and its CLI's callback). */
export const INSPECTOR_REDIRECT_URIS = ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6276/oauth/callback'];

export interface RunningServer {
  /** PUBLIC_URL (resolved). */
  url: string;
  mcpUrl: string;
  sseUrl: string;
  resource: string;
  issuer: string;
  port: number;
  config: Config;
  /** Resolves once OIDC discovery has succeeded (it retries in the background on transient errors). */
  ready: Promise<void>;
  sessions: SessionRegistry;
  /** Stops accepting, closes sessions (SSE streams get a final event), stops the dev IdP. Bounded. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Log destination (tests capture logs to check that tokens never appear). */
  logDestination?: NodeJS.WritableStream;
  /** Print the human banner to stderr. Default: when LOG_LEVEL is not silent. */
  banner?: boolean;
  fetch?: typeof fetch;
  /**
   * Slow-client cut-offs, ms: all headers within `headersMs` (default 10 s), the whole request
   * (headers + body) within `requestMs` (default 30 s). Streams opened by a GET are not affected.
   */
  httpTimeouts?: { headersMs?: number; requestMs?: number };
}

/**
 * Starts the MCP server from an environment object: validate configuration, listen, start the
 * embedded dev IdP when LOGTO_ENDPOINT is unset, discover the issuer, serve. Throws
 * ConfigError / DiscoveryConfigError for problems a retry cannot fix; transient discovery
 * failures keep /readyz red and retry with backoff.
 */
export async function startServer(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, options.logDestination);
  if (!config.logtoEndpoint && (env['NODE_ENV'] === 'production' || !isLoopbackHost(config.host))) {
    throw new DiscoveryConfigError(
      'LOGTO_ENDPOINT is unset, so the development IdP would start — it refuses to with NODE_ENV=production or a non-loopback HOST. Set LOGTO_ENDPOINT.',
    );
  }

  const headersTimeoutMs = options.httpTimeouts?.headersMs ?? 10_000;
  const requestTimeoutMs = Math.max(headersTimeoutMs, options.httpTimeouts?.requestMs ?? 30_000);
  let state: { metadata: IssuerMetadata; authenticator: Authenticator } | undefined;
  let fetchHandler: ((req: Request, env: unknown) => Response | Promise<Response>) | undefined;
  /** Set by close(): requests arriving on kept-alive connections get 503 and the connection is closed. */
  let draining = false;
  const server = createAdaptorServer({
    fetch: (req, bindings) =>
      draining
        ? new Response('shutting down', { status: 503, headers: { connection: 'close', 'retry-after': '5' } })
        : fetchHandler
          ? fetchHandler(req, bindings)
          : new Response('starting', { status: 503 }),
    serverOptions: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: 5_000,
      // Node checks both timeouts only this often (default 30 s, which would let slowloris sockets live 40 s).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeoutMs / 2))),
    },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
  const resource = config.resource ?? publicUrl;

  const closers: Array<() => Promise<void>> = [];
  let issuer = config.issuer;
  try {
    if (!issuer) {
      const { startDevIdp } = await import('./dev-idp/index.js');
      const idp = await startDevIdp({
        port: config.devIdpPort,
        resources: { [resource]: config.requiredScopes.length ? [...config.requiredScopes] : ['whoami:read'] },
        logger: logger.child({ component: 'dev-idp' }),
      });
      closers.push(() => idp.close());
      issuer = idp.issuer;
    }
  } catch (error) {
    await closeHttp(server, 0);
    throw error;
  }
  // Replicas behind a balancer share validation results and sessions through Redis; without
  // REDIS_URL the cluster code is never loaded.
  const cluster = config.redisUrl
    ? (await import('./cluster/index.js')).startCluster({
        redisUrl: config.redisUrl,
        replicaId: config.replicaId ?? `${hostname()}-${process.pid}`,
        replicaUrl: config.replicaUrl ?? `http://${replicaHost(config.host)}:${port}`,
        idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
        maxSessions: config.maxSessions,
        maxPerOwner: config.maxSessionsPerSubject,
        upstreamTimeoutMs: config.upstreamTimeoutMs,
        logger,
      })
    : undefined;
  if (cluster) closers.unshift(() => cluster.close());
  const sessions = new SessionRegistry({
    idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
    maxSessions: config.maxSessions,
    maxPerOwner: config.maxSessionsPerSubject,
    ...(cluster ? { directory: cluster.directory } : {}),
  });
  cluster?.attach(sessions);

  const app = createApp({
    publicUrl,
    resource,
    listenHost: config.host,
    listenPort: port,
    scopesSupported: config.scopesSupported,
    requiredScopes: config.requiredScopes,
    allowedOrigins: config.allowedOrigins,
    stateless: config.stateless,
    maxBodyBytes: config.maxBodyBytes,
    sessions,
    logger,
    ...(cluster ? { cluster } : {}),
    state: () => state,
  });
  fetchHandler = (req, bindings) => app.fetch(req, bindings);

  const expectedIssuer = issuer;
  const discoverOnce = async () => {
    const metadata = await discoverIssuer(expectedIssuer, { timeoutMs: config.upstreamTimeoutMs, ...(options.fetch ? { fetch: options.fetch } : {}) });
    // One remote JWKS for the process, so jose's cache and kid-miss cooldown work.
    const jwks = createRemoteJWKSet(new URL(metadata.jwksUri), {
      timeoutDuration: config.upstreamTimeoutMs,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
      // A JWKS is a few KiB; jose would buffer any size.
      [customFetch]: limitedFetch(256 * 1024, options.fetch),
    });
    const authenticator = createAuthenticator({
      mode: config.tokenValidation,
      issuer: metadata.issuer,
      resource,
      verifyJwt: createJwtVerifier({ issuer: metadata.issuer, audience: resource, jwks, algorithms: metadata.algorithms }),
      verifyUserinfo: createUserinfoVerifier({
        userinfoEndpoint: metadata.userinfoEndpoint,
        timeoutMs: config.upstreamTimeoutMs,
        concurrency: config.upstreamConcurrency,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
      userinfoTtlSeconds: config.userinfoCacheTtl,
      cacheMaxEntries: config.cacheMaxEntries,
      ...(cluster && config.userinfoCacheTtl > 0 ? { sharedCache: cluster.sharedCache } : {}),
    });
    state = { metadata, authenticator };
  };

  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  /**
   * One discovery attempt. The first one (at start-up) throws what no retry can fix, so the process
   * exits with a one-line error; transient failures — and, once running, every failure — are logged
   * and retried with backoff while /readyz stays red. A retry never throws into the void.
   */
  const attempt = async (delayMs: number, firstAttempt: boolean): Promise<void> => {
    if (stopped) return;
    try {
      await discoverOnce();
      logger.info({ issuer: expectedIssuer }, 'ready: issuer discovered');
      resolveReady();
    } catch (error) {
      if (stopped) return;
      if (firstAttempt && !(error instanceof UpstreamError)) throw error;
      const permanent = error instanceof DiscoveryConfigError;
      const nextDelay = permanent ? 30_000 : delayMs;
      logger.error({ retryInMs: nextDelay }, error instanceof Error ? error.message : String(error));
      retryTimer = setTimeout(() => void attempt(Math.min(nextDelay * 2, 30_000), false), nextDelay);
      retryTimer.unref();
    }
  };
  try {
    await attempt(1000, true);
  } catch (error) {
    await closeHttp(server, 0);
    await Promise.allSettled(closers.map((c) => c()));
    throw error;
  }

  const running: RunningServer = {
    url: publicUrl,
    mcpUrl: `${publicUrl}/mcp`,
    sseUrl: `${publicUrl}/sse`,
    resource,
    issuer: expectedIssuer,
    port,
    config,
    ready,
    sessions,
    async close() {
      stopped = true;
      draining = true;
      clearTimeout(retryTimer);
      // Leave the session directory first: from now on other replicas answer 404 for our sessions.
      await cluster?.directory.close();
      const closing = closeHttp(server, 5_000);
      for (const s of sessions.list('sse')) if (s.kind === 'sse') void s.transport.close('server shutting down');
      await sessions.closeAll();
      await closing;
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
  if (options.banner ?? config.logLevel !== 'silent') printBanner(running, logger, !config.logtoEndpoint);
  return running;
}

/** A host other replicas can dial: a wildcard listen address means "this machine's name". */
function replicaHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return hostname();
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Stops accepting; in-flight requests get `graceMs` to finish, then connections are dropped. */
function closeHttp(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function printBanner(s: RunningServer, logger: Logger, dev: boolean): void {
  const c = s.config;
  logger.info(
    { mcp: s.mcpUrl, sse: s.sseUrl, issuer: s.issuer, resource: s.resource, tokenValidation: c.tokenValidation, stateless: c.stateless, devIdp: dev },
    'listening',
  );
  const lines = [
    '',
    `  logto-whoami-mcp${dev ? ' (development IdP — not Logto)' : ''}`,
    `  Streamable HTTP  ${s.mcpUrl}${c.stateless ? '  (stateless)' : ''}`,
    `  SSE (legacy)     ${s.sseUrl}`,
    `  Issuer           ${s.issuer}`,
    `  Resource         ${s.resource}   (the Logto API resource indicator)`,
    `  Token validation ${c.tokenValidation}`,
    `  Redirect URIs to register in Logto for MCP Inspector:`,
    ...INSPECTOR_REDIRECT_URIS.map((u) => `    ${u}`),
    `  Try it:          npx @modelcontextprotocol/inspector  → Streamable HTTP, ${s.mcpUrl}`,
    ...(dev ? [`  Demo users:      alice / alice-password, bob / bob-password`] : []),
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

export { createLogger, loadConfig };
